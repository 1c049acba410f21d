#pragma once
#include <stdexcept>
#include <string>
#include <vector>

namespace fy {

struct FieldError {
  std::string field;
  std::string code;
  std::string message;
};

// A request the server refuses. Services throw it; the HTTP funnel turns it into an
// RFC 7807 body, and the database executor rolls back the request's savepoint, so a
// refused request never leaves anything half-written.
struct Problem : std::runtime_error {
  int status;
  std::string code;
  std::vector<FieldError> errors;
  int retryAfter = 0;  // seconds, sent as Retry-After (429, 503)
  Problem(int status, std::string code, std::string detail, std::vector<FieldError> errors = {})
      : std::runtime_error(std::move(detail)),
        status(status),
        code(std::move(code)),
        errors(std::move(errors)) {}

  static Problem badRequest(std::string code, std::string detail) {
    return {400, std::move(code), std::move(detail)};
  }
  static Problem invalidField(std::string field, std::string code, std::string message) {
    std::string detail = field + ": " + message;
    return {422,
            "validation_failed",
            detail,
            {{std::move(field), std::move(code), std::move(message)}}};
  }
  static Problem notFound(std::string what) { return {404, "not_found", what + " not found"}; }
  static Problem forbidden(std::string code, std::string detail) {
    return {403, std::move(code), std::move(detail)};
  }
  static Problem tooMany(int retryAfterSeconds, std::string what) {
    Problem p(
        429, "rate_limited",
        "too many requests " + what + ": try again in " + std::to_string(retryAfterSeconds) + " s");
    p.retryAfter = retryAfterSeconds;
    return p;
  }
  static Problem conflict(std::string code, std::string detail) {
    return {409, std::move(code), std::move(detail)};
  }
};

}  // namespace fy
