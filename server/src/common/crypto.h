#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace fy::crypto {

void init();  // sodium_init; safe to call more than once

std::string hashPassword(std::string_view password);  // Argon2id, libsodium's encoded form
bool verifyPassword(std::string_view encoded, std::string_view password);

std::string randomToken(size_t bytes = 32);  // URL-safe base64 without padding
uint64_t randomU64();
std::string randomDigits(int n);                // for SMS codes
std::string tokenHash(std::string_view token);  // BLAKE2b-256 hex, for tokens stored at rest

// Table encoders for public bytes (ciphertext, blind indexes), several times faster than
// libsodium's, which run in constant time as secrets need. Secrets use libsodium's.
std::string base64(std::string_view bin);    // standard alphabet, padded
std::string hex(std::string_view bin);       // lower case
std::string unbase64(std::string_view b64);  // throws std::runtime_error on bad input

using Key = std::array<unsigned char, 32>;

// Field encryption and blind indexing for personal data (SPEC X6). Sub-keys are derived
// from one master key kept outside the database, so a stolen dump reveals nothing.
class Vault {
 public:
  explicit Vault(const Key& master);
  std::string seal(std::string_view plain) const;   // XChaCha20-Poly1305, base64(nonce|ct)
  std::string open(std::string_view sealed) const;  // throws on tampering
  std::string blindIndex(std::string_view normalized) const;  // keyed BLAKE2b hex

 private:
  Key enc_{};
  Key idx_{};
};

// Loads the master key from FANGYI_MASTER_KEY (base64) or from <dataDir>/keys/master.key,
// creating the file (mode 0600) on first use.
Key loadOrCreateMasterKey(const std::string& dataDir);

}  // namespace fy::crypto
