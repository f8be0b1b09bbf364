/*
 * What the harnesses share. Each harness is one LLVMFuzzerTestOneInput that
 * calls a pure function of lib/ and then checks properties of its result, so
 * that a wrong answer stops the fuzzer as a crash would: FUZZ_CHECK prints
 * the property and aborts, and libFuzzer keeps the input that broke it.
 */
#ifndef PT_FUZZ_H
#define PT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond, what)                                                                     \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: property broken: %s\n", __FILE__, __LINE__, what); \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#endif
