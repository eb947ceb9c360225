/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: the registry client's parsers of untrusted text.  The
 * input is a WWW-Authenticate header (from any server a pull talks to) and,
 * the same bytes, a registries config file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry/auth.h"
#include "registry/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ret, struct berth_error *err)
{
	if ((ret < 0) != (err != NULL) || (err != NULL && ret != -err->code))
		abort();
	berth_error_free(err);
}

static void challenge(const char *s)
{
	struct berth_registry_challenge c = { 0 };
	struct berth_error *err = NULL;
	int ret = berth_registry_parse_challenge(s, &c, &err);

	if (ret == 0 && c.scheme == BERTH_AUTH_BEARER &&
	    (c.realm == NULL || strncmp(c.realm, "http", 4) != 0))
		abort();
	if (ret == 0 && c.scheme == BERTH_AUTH_NONE)
		abort();
	check(ret, err);
	berth_registry_challenge_release(&c);
}

static void config(const char *s, size_t n)
{
	struct berth_registry_config *c = NULL;
	struct berth_error *err = NULL;
	int ret = berth_registry_config_parse(s, n, "fuzz", &c, &err);

	if (ret == 0 && (c->default_registry == NULL ||
			 berth_registry_check_host(c->default_registry, "x", NULL) < 0))
		abort();
	check(ret, err);
	berth_registry_config_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	challenge(s);
	config(s, strlen(s));
	free(s);
	return 0;
}
