// The system's zlib (https://zlib.net), for CollabReports' .xlsx writer: raw DEFLATE streams and CRC-32.
// On Linux it comes with the zlib1g-dev package (Debian, Ubuntu) or zlib-devel (Fedora); macOS ships it.
#define ZLIB_CONST
#include <zlib.h>
