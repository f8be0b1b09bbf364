/*
 * Evidence, as a task change and a report item carry it: a list of up to 20
 * {title, url} links to what shows the work was done, http(s) only.
 */
#ifndef PT_API_EVIDENCE_H
#define PT_API_EVIDENCE_H

struct cJSON;
struct json_fields;

/* Checks an evidence list; records errors as PREFIXevidence or PREFIXevidence[i]. */
void api_evidence_check(struct json_fields *f, const struct cJSON *list, const char *prefix);

#endif
