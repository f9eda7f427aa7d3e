// The rankpool command line in a program that registers no app: what a user gets who
// links rankpool::cli and forgets to link their app's registration (tests/cli/no_apps_test.cpp).
#include <rankpool/cli.hpp>

int main(int argc, char** argv) { return rankpool::cli_main(argc, argv); }
