/*
 * test_base64.c - common/base64: RFC 4648 section 10 vectors, malformed
 * input (bad characters, misplaced or missing padding, non-zero unused
 * bits, white space, every octet value at every position of a quantum),
 * output buffers one octet too small, and a sweep of lengths.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/base64.h"

static void test_b64_vectors(void **state)
{
	static const struct {
		const char *raw, *enc;
	} v[] = {
		{"", ""},
		{"f", "Zg=="},
		{"fo", "Zm8="},
		{"foo", "Zm9v"},
		{"foob", "Zm9vYg=="},
		{"fooba", "Zm9vYmE="},
		{"foobar", "Zm9vYmFy"},
	};
	char enc[32];
	uint8_t dec[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		int n = mx_b64_encode((const uint8_t *)v[i].raw,
				      strlen(v[i].raw), enc, sizeof(enc));
		assert_int_equal(n, strlen(v[i].enc));
		assert_string_equal(enc, v[i].enc);
		n = mx_b64_decode(v[i].enc, strlen(v[i].enc), dec, sizeof(dec));
		assert_int_equal(n, strlen(v[i].raw));
		assert_memory_equal(dec, v[i].raw, (size_t)n);
	}
	/* too small an output buffer */
	assert_int_equal(mx_b64_encode((const uint8_t *)"foo", 3, enc, 4), -1);
	assert_int_equal(mx_b64_decode("Zm9vYmFy", 8, dec, 5), -1);
}

static void test_b64_malformed(void **state)
{
	static const char *const bad[] = {
		"Zg=",
		"Z===",
		"Zg=a",
		"Zm9v!",
		"=Zg=",
		"Zm=v",
		"Zm9v Zm9v",
		"Zg==Zm9v",
		"Zm9\n",
		"Zm9v\r\n",
		"A",
		"AB",
		"ABC",
		"====",
		"Z\x80==",
		/* non-zero bits after the last octet (RFC 4648 section 3.5) */
		"Zh==",
		"Zm9=",
	};
	uint8_t dec[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(mx_b64_decode(bad[i], strlen(bad[i]), dec,
					       sizeof(dec)),
				 -1);
}

/* Every length 0..300: decode(encode(x)) == x; truncations of a valid
 * encoding at every length are refused unless they end on a quantum. */
static void test_b64_length_sweep(void **state)
{
	uint8_t raw[300], dec[300];
	char enc[420];
	size_t n, k;

	(void)state;
	for (n = 0; n < sizeof(raw); n++)
		raw[n] = (uint8_t)(n * 37 + 11);
	for (n = 0; n <= sizeof(raw); n++) {
		int e = mx_b64_encode(raw, n, enc, sizeof(enc));
		assert_true(e >= 0);
		assert_int_equal(
			mx_b64_decode(enc, (size_t)e, dec, sizeof(dec)), n);
		assert_memory_equal(dec, raw, n);
		for (k = 0; k < (size_t)e; k++) {
			int d = mx_b64_decode(enc, k, dec, sizeof(dec));
			if (k % 4 != 0)
				assert_int_equal(d, -1);
			else
				assert_true(d >= 0);
		}
	}
}

/* Every octet value at every position of the last quantum of "Zm9v" +
 * "Zm9v": only the alphabet is accepted, and '=' only where it pads. */
static void test_b64_every_octet(void **state)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				       "abcdefghijklmnopqrstuvwxyz0123456789+/";
	char in[9];
	uint8_t dec[16];
	unsigned v;
	int pos;

	(void)state;
	for (pos = 0; pos < 4; pos++) {
		for (v = 0; v < 256; v++) {
			int want_ok, n;

			memcpy(in, "Zm9vZm9v", 9);
			in[4 + pos] = (char)v;
			want_ok = v != 0 && strchr(alphabet, (int)v) != NULL;
			/* "Zm9=": '=' in the last position pads, but 'v'
			 * leaves non-zero bits, so it stays malformed */
			n = mx_b64_decode(in, 8, dec, sizeof(dec));
			if (want_ok)
				assert_int_equal(n, 6);
			else
				assert_int_equal(n, -1);
		}
	}
}

/* The output buffers: exactly enough works, one octet less is -1, and
 * nothing is written past the end. */
static void test_b64_buffer_sizes(void **state)
{
	uint8_t raw[64], dec[80];
	char enc[100];
	size_t n;

	(void)state;
	for (n = 0; n < sizeof(raw); n++)
		raw[n] = (uint8_t)(0xff - n);
	for (n = 0; n < sizeof(raw); n++) {
		size_t need = MX_B64_ENCODED_LEN(n) + 1;
		int e;

		memset(enc, '#', sizeof(enc));
		assert_int_equal(mx_b64_encode(raw, n, enc, need - 1), -1);
		e = mx_b64_encode(raw, n, enc, need);
		assert_int_equal(e, (int)need - 1);
		assert_int_equal(enc[need - 1], '\0');
		assert_int_equal(enc[need], '#');
		memset(dec, 0xa5, sizeof(dec));
		if (n > 0)
			assert_int_equal(
				mx_b64_decode(enc, (size_t)e, dec, n - 1), -1);
		assert_int_equal(mx_b64_decode(enc, (size_t)e, dec, n), (int)n);
		assert_memory_equal(dec, raw, n);
		assert_int_equal(dec[n], 0xa5);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b64_vectors),
		cmocka_unit_test(test_b64_malformed),
		cmocka_unit_test(test_b64_length_sweep),
		cmocka_unit_test(test_b64_every_octet),
		cmocka_unit_test(test_b64_buffer_sizes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
