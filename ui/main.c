/* STUB */
#include "pipeline.h"
int main(void) { struct pipeline pl; pipeline_init(&pl); pipeline_destroy(&pl); return 0; }
