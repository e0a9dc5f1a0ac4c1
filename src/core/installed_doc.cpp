#include "core/installed_doc.hpp"

#include <filesystem>
#include <system_error>

namespace tcpkit::detail {

std::string installed_doc(std::string_view name) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path beside = exe.parent_path().parent_path() / TCPKIT_DOC_SUBDIR / name;
    if (fs::is_regular_file(beside, ec)) return beside.string();
  }
  return (fs::path(TCPKIT_DOC_DIR) / name).string();
}

}  // namespace tcpkit::detail
