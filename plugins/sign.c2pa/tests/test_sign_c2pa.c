#include "dk_test.h"
