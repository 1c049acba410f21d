#include "common/crypto.h"

#include <sodium.h>
#include <sys/stat.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <vector>

namespace fy::crypto {

void init() {
  // A user-space ChaCha20 generator seeded from the kernel: the default asks the kernel on
  // every call, and each booking needs a code and two nonces.
  static const bool rngSet = [] {
    return randombytes_set_implementation(&randombytes_internal_implementation) == 0;
  }();
  (void)rngSet;
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

std::string hashPassword(std::string_view password) {
  char out[crypto_pwhash_STRBYTES];
  // Interactive limits keep a login under ~100 ms on this hardware while staying memory-hard.
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    throw std::runtime_error("out of memory while hashing a password");
  return out;
}

bool verifyPassword(std::string_view encoded, std::string_view password) {
  std::string enc(encoded);
  return crypto_pwhash_str_verify(enc.c_str(), password.data(), password.size()) == 0;
}

static std::string b64(const unsigned char* p, size_t n, int variant) {
  std::string out(sodium_base64_encoded_len(n, variant), '\0');
  sodium_bin2base64(out.data(), out.size(), p, n, variant);
  out.resize(std::char_traits<char>::length(out.c_str()));
  return out;
}

std::string randomToken(size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  randombytes_buf(buf.data(), buf.size());
  return b64(buf.data(), buf.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

uint64_t randomU64() {
  uint64_t v = 0;
  randombytes_buf(&v, sizeof v);
  return v;
}

std::string randomDigits(int n) {
  // One draw for the whole string (each libsodium call checks the pid and rekeys); bytes of
  // 250 and above are dropped so that every digit stays equally likely.
  std::string s;
  unsigned char buf[64];
  while (static_cast<int>(s.size()) < n) {
    randombytes_buf(buf, sizeof buf);
    for (unsigned char b : buf)
      if (b < 250 && static_cast<int>(s.size()) < n) s.push_back(static_cast<char>('0' + b % 10));
  }
  return s;
}

static std::string secretHex(const unsigned char* p, size_t n) {
  std::string out(n * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), p, n);
  out.pop_back();
  return out;
}

std::string tokenHash(std::string_view token) {
  unsigned char h[32];
  crypto_generichash(h, sizeof h, reinterpret_cast<const unsigned char*>(token.data()),
                     token.size(), nullptr, 0);
  return secretHex(h, sizeof h);
}

std::string base64(std::string_view bin) {
  static constexpr char kDigits[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const auto* p = reinterpret_cast<const unsigned char*>(bin.data());
  const size_t n = bin.size();
  std::string out((n + 2) / 3 * 4, '=');
  char* o = out.data();
  size_t i = 0;
  for (; i + 3 <= n; i += 3, o += 4) {
    const uint32_t v = uint32_t{p[i]} << 16 | uint32_t{p[i + 1]} << 8 | p[i + 2];
    o[0] = kDigits[v >> 18];
    o[1] = kDigits[v >> 12 & 63];
    o[2] = kDigits[v >> 6 & 63];
    o[3] = kDigits[v & 63];
  }
  if (i < n) {
    const uint32_t v = uint32_t{p[i]} << 16 | (i + 1 < n ? uint32_t{p[i + 1]} << 8 : 0);
    o[0] = kDigits[v >> 18];
    o[1] = kDigits[v >> 12 & 63];
    if (i + 1 < n) o[2] = kDigits[v >> 6 & 63];
  }
  return out;
}

std::string hex(std::string_view bin) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(bin.size() * 2, '0');
  for (size_t i = 0; i < bin.size(); ++i) {
    const auto b = static_cast<unsigned char>(bin[i]);
    out[2 * i] = kDigits[b >> 4];
    out[2 * i + 1] = kDigits[b & 15];
  }
  return out;
}

std::string unbase64(std::string_view s) {
  std::string out(s.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), s.data(),
                        s.size(), nullptr, &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0)
    throw std::runtime_error("invalid base64");
  out.resize(len);
  return out;
}

Vault::Vault(const Key& master) {
  crypto_kdf_derive_from_key(enc_.data(), enc_.size(), 1, "fy-field", master.data());
  crypto_kdf_derive_from_key(idx_.data(), idx_.size(), 2, "fy-bindx", master.data());
}

namespace {
// XChaCha20's 24-byte nonce as 16 random bytes drawn once per thread and a 64-bit count:
// unique as long as no two threads draw the same 16 bytes (2^-128 a pair), as random nonces
// are, without a generator call (a getpid and two ChaCha20 runs in libsodium) per value.
// The server never forks, so no copy of a thread's count is ever used twice.
void nextNonce(unsigned char* nonce) {
  constexpr size_t kPrefix = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES - sizeof(uint64_t);
  thread_local const auto prefix = [] {
    std::array<unsigned char, kPrefix> p{};
    randombytes_buf(p.data(), p.size());
    return p;
  }();
  thread_local uint64_t count = 0;
  const uint64_t n = count++;
  std::memcpy(nonce, prefix.data(), kPrefix);
  std::memcpy(nonce + kPrefix, &n, sizeof n);
}
}  // namespace

std::string Vault::seal(std::string_view plain) const {
  constexpr size_t nb = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  std::vector<unsigned char> out(nb + plain.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES);
  nextNonce(out.data());
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      out.data() + nb, &clen, reinterpret_cast<const unsigned char*>(plain.data()), plain.size(),
      nullptr, 0, nullptr, out.data(), enc_.data());
  return base64({reinterpret_cast<const char*>(out.data()), nb + clen});
}

std::string Vault::open(std::string_view sealed) const {
  constexpr size_t nb = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  std::string raw = unbase64(sealed);
  if (raw.size() < nb + crypto_aead_xchacha20poly1305_ietf_ABYTES)
    throw std::runtime_error("sealed value too short");
  std::string out(raw.size() - nb, '\0');
  unsigned long long mlen = 0;
  auto* r = reinterpret_cast<const unsigned char*>(raw.data());
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(reinterpret_cast<unsigned char*>(out.data()),
                                                 &mlen, nullptr, r + nb, raw.size() - nb, nullptr,
                                                 0, r, enc_.data()) != 0)
    throw std::runtime_error("sealed value failed authentication");
  out.resize(mlen);
  return out;
}

std::string Vault::blindIndex(std::string_view normalized) const {
  unsigned char h[32];
  crypto_generichash(h, sizeof h, reinterpret_cast<const unsigned char*>(normalized.data()),
                     normalized.size(), idx_.data(), idx_.size());
  return hex({reinterpret_cast<const char*>(h), sizeof h});
}

Key loadOrCreateMasterKey(const std::string& dataDir) {
  Key key{};
  if (const char* env = std::getenv("FANGYI_MASTER_KEY"); env && *env) {
    std::string raw = unbase64(env);
    if (raw.size() != key.size()) throw std::runtime_error("FANGYI_MASTER_KEY must be 32 bytes");
    std::copy(raw.begin(), raw.end(), key.begin());
    return key;
  }
  namespace fs = std::filesystem;
  fs::path dir = fs::path(dataDir) / "keys";
  fs::path file = dir / "master.key";
  if (fs::exists(file)) {
    std::ifstream in(file, std::ios::binary);
    in.read(reinterpret_cast<char*>(key.data()), key.size());
    if (in.gcount() != static_cast<std::streamsize>(key.size()))
      throw std::runtime_error("master key file is damaged: " + file.string());
    return key;
  }
  fs::create_directories(dir);
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace);
  randombytes_buf(key.data(), key.size());
  {
    std::ofstream out(file, std::ios::binary);
    out.write(reinterpret_cast<const char*>(key.data()), key.size());
  }
  ::chmod(file.c_str(), 0600);
  return key;
}

}  // namespace fy::crypto
