#ifndef WARDBOARD_CLIBPQ_SHIM_H
#define WARDBOARD_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
