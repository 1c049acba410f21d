#pragma once
// Debian's SOCI is configured with Boost, which it needs only to bind Boost.Fusion
// sequences. We bind none, so Boost stays out of the build (and out of compile times).
#include <soci/soci-config.h>
#undef SOCI_HAVE_BOOST
#undef SOCI_HAVE_BOOST_DATE_TIME
#include <soci/soci.h>
