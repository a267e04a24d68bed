/*
 * main.c - mxprobe entry point: dispatch to one subcommand.
 */

#include <stdio.h>

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("mxprobe %s\n", PACKAGE_VERSION);
	return 0;
}
