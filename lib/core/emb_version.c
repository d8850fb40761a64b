/* emb_version: the version of the library itself, as opposed to the headers a caller saw. */
#include "emb_version.h"

const char *emb_version(void)
{
	return EMB_VERSION;
}

unsigned emb_version_number(void)
{
	return EMB_VERSION_NUMBER;
}
