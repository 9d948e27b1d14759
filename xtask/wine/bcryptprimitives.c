/*
 * A stand-in bcryptprimitives.dll for the Wine prefix `cargo xtask test --target
 * x86_64-pc-windows-gnu` runs the Windows tests in. Test prefixes only: never shipped.
 *
 * Why: every binary from Rust 1.78 on imports ProcessPrng from bcryptprimitives.dll (std's
 * random source, used for HashMap seeds). Windows 10 and later have it; Wine 8.0 (Debian 12)
 * does not, and a Rust program then exits with status 53 before main. ProcessPrng fills a
 * buffer with random bytes and always returns TRUE; RtlGenRandom (advapi32's SystemFunction036,
 * which Wine has) does the same job.
 *
 * xtask builds it with x86_64-w64-mingw32-gcc into the prefix's windows/system32.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    /* RtlGenRandom takes a ULONG length; split larger requests. */
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
