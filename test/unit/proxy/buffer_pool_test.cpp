// BufferPool and RelayBuffer (core/proxy/detail/buffer_pool.hpp): relay buffers reused within
// a worker, kept while a burst needs them and given back bit by bit after it.
#include "proxy/detail/buffer_pool.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace bridge::proxy {
namespace {

// `n` leases at once, then all of them back.
void burst(BufferPool& pool, size_t n) {
  std::vector<BufferPool::Lease> leases;
  leases.reserve(n);
  for (size_t i = 0; i < n; ++i) leases.push_back(pool.take());
}

TEST(BufferPool, ReusesWhatCameBack) {
  BufferPool pool;
  char* first = nullptr;
  {
    BufferPool::Lease lease = pool.take();
    first = lease.data();
  }
  EXPECT_EQ(pool.spares(), 1u);
  BufferPool::Lease again = pool.take();
  EXPECT_EQ(again.data(), first);
  EXPECT_EQ(pool.spares(), 0u);
}

TEST(BufferPool, KeepsABurstsBuffersUpToTheLimit) {
  BufferPool pool;
  burst(pool, BufferPool::max_free + 100);
  EXPECT_EQ(pool.spares(), BufferPool::max_free);
}

TEST(BufferPool, AsksOnceForATrimWhenSparesPassWhatItKeeps) {
  BufferPool pool;
  int asked = 0;
  pool.on_surplus([&] { ++asked; });
  burst(pool, BufferPool::kept);
  EXPECT_EQ(asked, 0);
  burst(pool, BufferPool::kept + 44);
  EXPECT_EQ(asked, 1);
  burst(pool, BufferPool::kept + 44);  // a trim is already due
  EXPECT_EQ(asked, 1);
}

TEST(BufferPool, TrimGivesBackHalfOfWhatNoTakeNeeded) {
  BufferPool pool;
  burst(pool, BufferPool::kept + 100);
  // Every spare was in use since the pool began: none is surplus yet.
  EXPECT_TRUE(pool.trim());
  EXPECT_EQ(pool.spares(), BufferPool::kept + 100);
  // Nothing taken since: half of the 100 past `kept` go, then half of the rest.
  EXPECT_TRUE(pool.trim());
  EXPECT_EQ(pool.spares(), BufferPool::kept + 50);
  EXPECT_TRUE(pool.trim());
  EXPECT_EQ(pool.spares(), BufferPool::kept + 25);
  // A burst of 20 leaves 5 of the 25 unused: 3 of them go.
  burst(pool, 20);
  EXPECT_TRUE(pool.trim());
  EXPECT_EQ(pool.spares(), BufferPool::kept + 22);
  while (pool.trim()) {
  }
  EXPECT_EQ(pool.spares(), BufferPool::kept);
  // Past `kept` again: asked again.
  int asked = 0;
  pool.on_surplus([&] { ++asked; });
  burst(pool, BufferPool::kept + 1);
  EXPECT_EQ(asked, 1);
}

TEST(RelayBuffer, LeasesOnlyWhenAsked) {
  BufferPool pool;
  burst(pool, 1);
  { RelayBuffer unused(pool); }
  EXPECT_EQ(pool.spares(), 1u);
  {
    RelayBuffer used(pool);
    std::span<char> first = used.get();
    EXPECT_EQ(first.size(), BufferPool::buffer_size);
    EXPECT_EQ(pool.spares(), 0u);
    EXPECT_EQ(used.get().data(), first.data());  // the same lease each time
  }
  EXPECT_EQ(pool.spares(), 1u);
  char fixed[40];
  RelayBuffer own(std::span<char>(fixed, sizeof fixed));
  EXPECT_EQ(own.get().data(), fixed);
  EXPECT_EQ(own.get().size(), sizeof fixed);
}

}  // namespace
}  // namespace bridge::proxy
