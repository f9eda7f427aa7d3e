// The rankpool program: the CLI with every app in apps/ linked in.
#include <rankpool/cli.hpp>

int main(int argc, char** argv) { return rankpool::cli_main(argc, argv); }
