/* A fuzz target: one input, any bytes.  Built either for libFuzzer
 * (-DCFQSIM_FUZZ=ON with clang) or with driver.c, which replays a corpus
 * and deterministic mutations of it as a regression test under CTest. */
#ifndef CFQSIM_FUZZ_H
#define CFQSIM_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
