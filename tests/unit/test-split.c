#include <criterion/criterion.h>
#include "dataset.h"
Test(load, placeholder) { cr_assert(1); }
