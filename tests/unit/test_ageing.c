#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
int main(void) { const struct CMUnitTest t[] = {}; return cmocka_run_group_tests(t, NULL, NULL); }
