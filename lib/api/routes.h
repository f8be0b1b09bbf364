/* The routing table: every method and path the daemon serves, in one place. */
#ifndef PT_ROUTES_H
#define PT_ROUTES_H

#include <stddef.h>

#include "http/router.h"

extern const struct route routes[];
extern const size_t routes_count;

#endif
