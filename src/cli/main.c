#include <stdio.h>
int main(void) { puts("sxscheck"); return 0; }
