// Replays fuzz inputs without libFuzzer, so that the GCC build tests them too: every file in
// the folders (or the files) named on the command line goes through LLVMFuzzerTestOneInput
// once, in name order. A target that finds a broken invariant aborts, which fails the test.
// Used by CTest on tests/fuzz/corpus/TARGET and tests/fuzz/regressions/TARGET.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    const fs::path where(argv[i]);
    if (fs::is_directory(where)) {
      for (const auto& entry : fs::directory_iterator(where)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
    } else if (fs::is_regular_file(where)) {
      files.push_back(where);
    } else {
      std::printf("replay: %s does not exist (no inputs there)\n", argv[i]);
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::fprintf(stderr, "replay: no inputs found\n");
    return 1;  // a replay of nothing would pass without testing anything
  }
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) {
      std::fprintf(stderr, "replay: cannot read %s\n", file.c_str());
      return 1;
    }
    std::printf("replay: %s (%zu bytes)\n", file.c_str(), bytes.size());
    std::fflush(stdout);  // so that the log names the input that aborted
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  }
  std::printf("replay: %zu inputs, no invariant broken\n", files.size());
  return 0;
}
