/*
 * cpu.c -- which of the engine's CPU-specific kernels this CPU runs.
 *
 * The AVX2 and AVX-512 kernels (tree.c: mask_trees, linear.c: rows read
 * where they are) do the same operations in the same order as the
 * baseline ones, so the choice changes the speed, never the bits. The
 * tests set the flags to 0 to run the baseline kernels on any CPU.
 */
#include "internal.h"

int sks__avx2 = -1;
int sks__avx512 = -1;

bool sks__cpu_avx2(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (sks__avx2 != 0) {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2");
    }
#endif
    return false;
}

bool sks__cpu_avx512(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (sks__avx512 != 0 && sks__avx2 != 0) {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f");
    }
#endif
    return false;
}
