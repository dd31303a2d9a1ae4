/* placeholder, filled below */
#include "dk_test.h"
