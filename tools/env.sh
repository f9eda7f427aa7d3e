# Sourced by the tools scripts: what Open MPI needs on this kind of machine.
# Root may run MPI here (containers, CI); ob1 starts faster than the default PML;
# --bind-to none lets each rank's OpenMP threads use the cores it was given.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_pml=${OMPI_MCA_pml:-ob1}
export OMPI_MCA_rmaps_base_oversubscribe=${OMPI_MCA_rmaps_base_oversubscribe:-1}
RANKPOOL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
