// The integration test runner: doctest's own main. The tests start camstreamd and
// camview as child processes and talk to them over loopback only.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
