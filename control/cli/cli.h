/* The command line (shared/spec/cli.md). cli_main returns the process exit code:
 * 0 success, 1 the input or the network said no, 2 usage, 3 the system refused. */
#ifndef VPCLAB_CLI_H
#define VPCLAB_CLI_H

enum cli_exit { EXIT_OK = 0, EXIT_INPUT = 1, EXIT_USAGE = 2, EXIT_SYSTEM = 3 };

int cli_main(int argc, char **argv);

#endif
