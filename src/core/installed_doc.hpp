// Where a user of the installed tool finds one of tcpkit's documents (docs/NAME in the sources).
#pragma once

#include <string>
#include <string_view>

namespace tcpkit::detail {

// PREFIX/share/doc/tcpkit/NAME for the PREFIX the running program was installed into
// (PREFIX/bin/tcpkit), when that file is there: a relocated tree or the Debian package names its
// own copy. Otherwise where `cmake --install` puts it for the configured prefix (TCPKIT_DOC_DIR).
std::string installed_doc(std::string_view name);

}  // namespace tcpkit::detail
