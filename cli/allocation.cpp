// The program's operator new and delete: small blocks go back to a free list of their size,
// one set of lists per thread, instead of to malloc.
//
// Why: a server's connection lives in a chain of coroutine frames and operations, about 18
// allocations from accept to close, most of them between 64 and 512 bytes, freed when the
// connection ends. With tens of connections open at once, glibc's per-thread cache (seven
// blocks of each size) overflows at every burst of ends, and the frees after it take the arena
// lock and coalesce: measured with callgrind on `tcpkit sixteen server` at 64 concurrent
// clients, free() alone cost more instructions than the session's own code
// (docs/BENCHMARKS.md, "Round two"). Here a free is a push and an allocation a pop.
//
// Bounds: blocks of up to kLargest bytes are kept, at most kCacheBytes of them per thread; the
// rest, and every larger block, goes to malloc and free as before. A block may be freed on
// another thread than the one that made it (it then joins that thread's lists). When a thread
// ends, its lists go back to free().
//
// Not in sanitizer builds: AddressSanitizer and ThreadSanitizer replace operator new themselves
// and must see every allocation to check it.
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>

namespace {

constexpr std::size_t kHeader = 16;  // the size class, in front of the block (keeps 16-byte alignment)
constexpr std::size_t kGranule = 16;
constexpr std::size_t kClasses = 64;  // blocks of 16, 32, ... 1024 bytes
constexpr std::size_t kLargest = kClasses * kGranule;
constexpr std::size_t kCacheBytes = std::size_t{4} << 20;
constexpr std::uint32_t kUncached = 0xffff'ffff;  // a block of more than kLargest bytes

struct free_block {
  free_block* next;
};

struct free_lists {
  free_block* head[kClasses] = {};
  std::size_t cached = 0;  // bytes on the lists

  ~free_lists();
};

thread_local free_lists lists;
// Set once the thread's lists are gone: frees from later destructors of the thread go to free().
thread_local bool lists_gone = false;

free_lists::~free_lists() {
  lists_gone = true;
  for (free_block*& first : head) {
    while (first != nullptr) {
      free_block* const next = first->next;
      std::free(reinterpret_cast<unsigned char*>(first) - kHeader);
      first = next;
    }
  }
}

std::uint32_t& size_class_of(void* raw) noexcept { return *static_cast<std::uint32_t*>(raw); }

void* checked_malloc(std::size_t bytes) {
  for (;;) {
    if (void* raw = std::malloc(bytes)) return raw;
    const std::new_handler handler = std::get_new_handler();
    if (handler == nullptr) throw std::bad_alloc();
    handler();
  }
}

}  // namespace

void* operator new(std::size_t size) {
  const std::size_t index = size == 0 ? 0 : (size - 1) / kGranule;
  if (index >= kClasses || lists_gone) {
    void* raw = checked_malloc(kHeader + size);
    size_class_of(raw) = kUncached;
    return static_cast<unsigned char*>(raw) + kHeader;
  }
  free_lists& mine = lists;
  if (free_block* reused = mine.head[index]) {
    mine.head[index] = reused->next;
    mine.cached -= (index + 1) * kGranule;
    return reused;
  }
  void* raw = checked_malloc(kHeader + (index + 1) * kGranule);
  size_class_of(raw) = static_cast<std::uint32_t>(index);
  return static_cast<unsigned char*>(raw) + kHeader;
}

void operator delete(void* block) noexcept {
  if (block == nullptr) return;
  void* raw = static_cast<unsigned char*>(block) - kHeader;
  const std::uint32_t index = size_class_of(raw);
  if (index != kUncached && !lists_gone) {
    free_lists& mine = lists;
    const std::size_t bytes = (index + 1) * kGranule;
    if (mine.cached + bytes <= kCacheBytes) {
      auto* freed = static_cast<free_block*>(block);
      freed->next = mine.head[index];
      mine.head[index] = freed;
      mine.cached += bytes;
      return;
    }
  }
  std::free(raw);
}

void operator delete(void* block, std::size_t) noexcept { operator delete(block); }

// The array and nothrow forms of libstdc++ call the two above; the aligned forms keep their
// own allocation (aligned_alloc and free), which never meets these lists.

#endif
