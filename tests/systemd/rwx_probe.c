/* Whether this process may map memory writable and executable at once:
 * prints "rwx mmap: allowed" or "rwx mmap: refused". */
#include <stdio.h>
#include <sys/mman.h>

int main(void)
{
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("rwx mmap: %s\n", p == MAP_FAILED ? "refused" : "allowed");
    return 0;
}
