#include "common/crypto.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>
#include <vector>

namespace fy::crypto {

class CryptoTest : public ::testing::Test {
 protected:
  void SetUp() override { init(); }
  static Key key(unsigned char b) {
    Key k;
    k.fill(b);
    return k;
  }
};

TEST_F(CryptoTest, PasswordHashVerifiesOnlyTheRightPassword) {
  std::string h = hashPassword("Secret123");
  EXPECT_EQ(h.rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(verifyPassword(h, "Secret123"));
  EXPECT_FALSE(verifyPassword(h, "Secret124"));
  EXPECT_NE(h, hashPassword("Secret123")) << "salted: the same password hashes differently";
}

TEST_F(CryptoTest, VaultRoundTripsAndHidesThePlaintext) {
  Vault v(key(7));
  std::string sealed = v.seal("320402199001011234");
  EXPECT_EQ(sealed.find("320402199001011234"), std::string::npos);
  EXPECT_NE(sealed, v.seal("320402199001011234")) << "random nonce per value";
  EXPECT_EQ(v.open(sealed), "320402199001011234");
}

// Nonces are a per-thread random prefix and a count: never the same twice in a thread, and
// threads draw their own prefixes. A repeated nonce would let two values be XORed together.
TEST_F(CryptoTest, VaultNoncesAreUniqueWithinAndAcrossThreads) {
  Vault v(key(7));
  auto nonces = [&v](int n) {
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) out.push_back(unbase64(v.seal("x")).substr(0, 24));
    return out;
  };
  std::vector<std::string> here = nonces(1000), there;
  std::thread([&] { there = nonces(1000); }).join();
  std::set<std::string> all(here.begin(), here.end());
  all.insert(there.begin(), there.end());
  EXPECT_EQ(all.size(), 2000u);
  EXPECT_NE(here.front().substr(0, 16), there.front().substr(0, 16)) << "own prefix per thread";
  EXPECT_EQ(here.front().substr(0, 16), here.back().substr(0, 16));
}

TEST_F(CryptoTest, VaultRejectsTamperingAndForeignKeys) {
  Vault v(key(7)), other(key(8));
  std::string sealed = v.seal("13812345678");
  std::string raw = unbase64(sealed);
  raw.back() ^= 1;
  EXPECT_THROW(v.open(base64(raw)), std::runtime_error);
  EXPECT_THROW(other.open(sealed), std::runtime_error);
  EXPECT_THROW(v.open("not base64!"), std::runtime_error);
}

TEST_F(CryptoTest, BlindIndexIsDeterministicAndKeyed) {
  Vault v(key(1)), w(key(2));
  EXPECT_EQ(v.blindIndex("13812345678"), v.blindIndex("13812345678"));
  EXPECT_NE(v.blindIndex("13812345678"), v.blindIndex("13812345679"));
  EXPECT_NE(v.blindIndex("13812345678"), w.blindIndex("13812345678"));
  EXPECT_EQ(v.blindIndex("x").size(), 64u);
}

// The table encoders must write exactly what libsodium's would: sealed values and blind
// indexes written before them are still read and matched.
TEST_F(CryptoTest, TableEncodersMatchLibsodium) {
  std::string bin;
  for (size_t n = 0; n <= 100; ++n) {
    bin.resize(n);
    randombytes_buf(bin.data(), n);
    const auto* p = reinterpret_cast<const unsigned char*>(bin.data());
    std::string b64(sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(b64.data(), b64.size(), p, n, sodium_base64_VARIANT_ORIGINAL);
    b64.pop_back();
    EXPECT_EQ(base64(bin), b64) << "length " << n;
    EXPECT_EQ(unbase64(base64(bin)), bin) << "length " << n;
    std::string hx(2 * n + 1, '\0');
    sodium_bin2hex(hx.data(), hx.size(), p, n);
    hx.pop_back();
    EXPECT_EQ(hex(bin), hx) << "length " << n;
  }
}

TEST_F(CryptoTest, TokensAreRandomAndUrlSafe) {
  std::string a = randomToken(), b = randomToken();
  EXPECT_NE(a, b);
  EXPECT_EQ(a.size(), 43u);
  EXPECT_EQ(a.find_first_of("+/="), std::string::npos);
  EXPECT_EQ(tokenHash(a), tokenHash(a));
  EXPECT_NE(tokenHash(a), tokenHash(b));
  std::string d = randomDigits(6);
  EXPECT_EQ(d.size(), 6u);
  EXPECT_EQ(d.find_first_not_of("0123456789"), std::string::npos);
}

TEST_F(CryptoTest, RandomDigitsAreUniform) {
  // 2,000,000 digits: each of the ten within 4 standard deviations (1,700) of 200,000. Taking
  // bytes modulo 10 without dropping 250..255 would put 6..9 about 4,700 below.
  std::array<int, 10> count{};
  for (int i = 0; i < 20000; ++i)
    for (char c : randomDigits(100)) count[c - '0']++;
  for (int n : count) EXPECT_NEAR(n, 200000, 1700);
  EXPECT_NE(randomDigits(18), randomDigits(18));
}

TEST_F(CryptoTest, MasterKeyFileIsCreatedPrivateAndReused) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("fy-key-" + randomToken(6));
  Key k1 = loadOrCreateMasterKey(dir.string());
  fs::path file = dir / "keys" / "master.key";
  ASSERT_TRUE(fs::exists(file));
  EXPECT_EQ(fs::status(file).permissions() & (fs::perms::group_all | fs::perms::others_all),
            fs::perms::none);
  EXPECT_EQ(loadOrCreateMasterKey(dir.string()), k1);
  fs::remove_all(dir);
}

}  // namespace fy::crypto
