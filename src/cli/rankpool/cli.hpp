#pragma once
/// The `rankpool` command line (run, apps, status, table, report, merge, slurm, --help,
/// --version) as
/// a library call, so a program with its own apps is `return rankpool::cli_main(argc, argv);`.
namespace rankpool {
int cli_main(int argc, char** argv);
}
