/* SPDX-License-Identifier: MIT */
/*
 * jsoncheck: read one JSON document from stdin with json-c's strict parser;
 * exit 0 when it is valid and complete, 1 otherwise.  With a key path
 * argument ("findings.0.id"), print that member (tests query reports).
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	static char buf[1 << 24];
	size_t n = fread(buf, 1, sizeof(buf) - 1, stdin);
	buf[n] = '\0';
	struct json_tokener *tok = json_tokener_new();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	struct json_object *doc = json_tokener_parse_ex(tok, buf, (int)n);
	enum json_tokener_error e = json_tokener_get_error(tok);
	if (!doc || e != json_tokener_success) {
		fprintf(stderr, "jsoncheck: invalid JSON: %s at offset %zu\n",
		        json_tokener_error_desc(e), json_tokener_get_parse_end(tok));
		json_object_put(doc);
		json_tokener_free(tok);
		return 1;
	}
	/* only whitespace may follow the document */
	for (size_t i = json_tokener_get_parse_end(tok); i < n; i++)
		if (!strchr(" \t\r\n", buf[i])) {
			fprintf(stderr, "jsoncheck: trailing data at offset %zu\n", i);
			json_object_put(doc);
			json_tokener_free(tok);
			return 1;
		}
	if (argc > 1) {
		struct json_object *cur = doc;
		char *path = argv[1];
		for (char *tokp = strtok(path, "."); tokp && cur; tokp = strtok(NULL, ".")) {
			if (json_object_is_type(cur, json_type_array))
				cur = json_object_array_get_idx(cur, (size_t)atoi(tokp));
			else if (!json_object_object_get_ex(cur, tokp, &cur))
				cur = NULL;
		}
		if (!cur) {
			json_object_put(doc);
			json_tokener_free(tok);
			return 2;
		}
		puts(json_object_is_type(cur, json_type_string) ? json_object_get_string(cur)
		                                                : json_object_to_json_string(cur));
	}
	json_object_put(doc);
	json_tokener_free(tok);
	return 0;
}
