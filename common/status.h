// Error values that travel on the wire and through the code.
//
//   Result<int> parse(std::string_view s);
//   auto r = parse("12");
//   if (!r) return r.error();          // Error{code, message}
//   use(*r);
//
// Each code says what the caller should do next; the values are frozen on the wire.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace orion {

enum class ErrorCode : std::uint8_t {
  UNKNOWN = 0,
  INVALID_ARGUMENT = 1,     // fix the request; the message names the field. Do not retry as is.
  NOT_FOUND = 2,            // the named object does not exist. Stop.
  FAILED_PRECONDITION = 3,  // the system is not in a state for this (e.g. a stale attempt). Stop.
  PERMISSION_DENIED = 4,    // not allowed. Stop.
  UNAVAILABLE = 5,          // transient: retry with backoff, same request id.
  NOT_LEADER = 6,           // redirect to the leader named in the message.
  MALFORMED = 7,            // the frames did not decode. Fix the sender.
  UNSUPPORTED_VERSION = 8,  // the protocol frame names a version this peer does not speak.
  TOO_LARGE = 9,            // a frame or field is over its bound.
  UNKNOWN_TYPE = 10,        // the message type is not one this socket serves.
  DEADLINE_EXCEEDED = 11,   // the wait ended before the outcome was known; retry or wait again.
  ALREADY_EXISTS = 12,      // the object exists (e.g. a duplicate key in a batch).
  INTERNAL = 13,            // a bug or a storage failure on the server; retry may help.
};

std::string_view to_string(ErrorCode code);
// Parses a code from its name ("NOT_FOUND") or returns UNKNOWN.
ErrorCode error_code_from_string(std::string_view name);

struct Error {
  ErrorCode code = ErrorCode::UNKNOWN;
  std::string message;

  std::string to_string() const;  // "NOT_FOUND: task T1 does not exist"
};

inline Error make_error(ErrorCode code, std::string message) { return Error{code, std::move(message)}; }

// A value or an Error. Cheap to move; no exceptions.
template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}          // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}      // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success or an Error.
class Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace orion
