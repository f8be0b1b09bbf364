/*
 * JSON text without its insignificant whitespace. PostgreSQL's json_build_object
 * and json_agg write `{"code" : "3.1.1", "items" : [1, \n 2]}`; cJSON and the
 * problems write compact JSON. Answers the database builds go through this so
 * that every answer has one style.
 */
#ifndef PT_CORE_JSON_COMPACT_H
#define PT_CORE_JSON_COMPACT_H

#include <stddef.h>

/*
 * Copies the n bytes of JSON text at src to dst, dropping spaces, tabs, CRs
 * and LFs outside strings; strings (escapes and UTF-8 included) are copied
 * byte for byte. Returns the number of bytes written, at most n; dst may be
 * src. Text that is not JSON is copied the same way, never read past n.
 */
size_t json_compact(char *dst, const char *src, size_t n);

#endif
