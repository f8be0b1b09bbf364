/*
 * The documents that come with policytrack (data/documents/CODE.json),
 * compiled in by data/documents/embed.py so that `policytrack migrate`
 * imports exactly what was built and tested.
 */
#ifndef PT_BUNDLED_H
#define PT_BUNDLED_H

#include <stddef.h>

struct bundled_document {
	const char *code;
	const char *json;
};

extern const struct bundled_document bundled_documents[];
extern const size_t bundled_documents_count;

#endif
