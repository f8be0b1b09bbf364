/*
 * The console's files, compiled in by web/embed.py: the daemon is one binary
 * that needs nothing from elsewhere at run time (government networks are
 * often closed).
 */
#ifndef PT_API_CONSOLE_ASSETS_H
#define PT_API_CONSOLE_ASSETS_H

#include <stdbool.h>
#include <stddef.h>

struct console_asset {
	const char *name;   /* public: NAME.HASH.EXT for assets, the file name for pages */
	const char *source; /* the file's own name in web/ */
	const char *content_type;
	const unsigned char *data;
	size_t len;
	const unsigned char *gzip; /* the same bytes gzip'd at build time */
	size_t gzip_len;
	const char *etag;
	bool immutable; /* content-hashed name: cacheable for a year */
};

extern const struct console_asset console_assets[];
extern const size_t console_assets_count;

#endif
