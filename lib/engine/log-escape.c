/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON string escaping as Docker's json-file writes it (Go's encoder): the
 * HTML characters <, > and & and the line separators U+2028/U+2029 escaped,
 * invalid UTF-8 replaced by U+FFFD.
 */
#include <stdio.h>
#include <string.h>

#include "engine/log-internal.h"

/* Length of the valid UTF-8 sequence at @s (at most @len bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t len)
{
	size_t n;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates and beyond U+10FFFF */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static size_t escape_byte(unsigned char c, char *out)
{
	static const char short_esc[] = "\b\f\n\r\t\"\\";
	static const char short_chr[] = "bfnrt\"\\";
	const char *e = c != 0 ? strchr(short_esc, c) : NULL;

	if (e != NULL) {
		out[0] = '\\';
		out[1] = short_chr[e - short_esc];
		return 2;
	}
	if (c < 0x20 || c == '<' || c == '>' || c == '&') {
		snprintf(out, 7, "\\u%04x", c);
		return 6;
	}
	out[0] = (char)c;
	return 1;
}

size_t berth_log_json_escape(const char *s, size_t len, char *out)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;

	for (size_t i = 0; i < len;) {
		size_t n = utf8_len(p + i, len - i);

		if (n == 1) {
			o += escape_byte(p[i], out + o);
		} else if (n == 0) {
			memcpy(out + o, "\\ufffd", 6);
			o += 6;
			n = 1;
		} else if (n == 3 && p[i] == 0xe2 && p[i + 1] == 0x80 &&
			   (p[i + 2] == 0xa8 || p[i + 2] == 0xa9)) {
			o += (size_t)snprintf(out + o, 7, "\\u202%c", p[i + 2] == 0xa8 ? '8' : '9');
		} else {
			memcpy(out + o, p + i, n);
			o += n;
		}
		i += n;
	}
	return o;
}
