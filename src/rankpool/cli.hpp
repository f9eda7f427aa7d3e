#pragma once
/// The `rankpool` command line (run, apps, --help, --version) as a library call,
/// so a program with its own apps is just `return rankpool::cli_main(argc, argv);`.
namespace rankpool {
int cli_main(int argc, char** argv);
}
