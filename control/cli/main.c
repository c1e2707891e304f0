/* vpclab: AWS VPC networking on one Linux machine with real packets. Only main chooses the exit
 * code; everything else returns 0/-errno (ARCHITECTURE rule 7). */
#include "control/cli/cli.h"

int main(int argc, char **argv)
{
	return cli_main(argc, argv);
}
