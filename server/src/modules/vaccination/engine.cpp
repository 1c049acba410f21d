#include "modules/vaccination/engine.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

#include "app/context.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/thread_name.h"
#include "db/database.h"
#include "db/soci.h"
#include "modules/audit/service.h"
#include "modules/iam/service.h"
#include "modules/notify/service.h"
#include "modules/vaccination/repo.h"
#include "modules/vaccination/rules.h"

namespace fy::vax {

struct Engine::Pending {
  BookInput in;
  Actor actor;
  http::Reply reply;
  Booking b;  // sealed identity, phone, code: filled on the I/O thread
  // outcome
  std::optional<Problem> problem;
  std::optional<Booking> prior;  // an earlier booking with the same Idempotency-Key
  Pending* sameAs = nullptr;     // the same key twice in one batch
  bool accepted = false;
  int failures = 0;  // batches of it undone by an error other than places taken meanwhile

  void reset() {
    problem.reset();
    prior.reset();
    sameAs = nullptr;
    accepted = false;
    b.id = 0;
  }
};

namespace {

struct SlotState {
  std::optional<Slot> slot;
  std::optional<Vaccine> vaccine;
  bool siteOpen = false;
  uint64_t generation = 0;  // read before the slot: a place freed after it bumps it
  int left = 0;
  int taken = 0;
};

// The places a batch counted on were taken, or the slot locked, by a transaction beside it.
struct PlacesTaken : std::runtime_error {
  PlacesTaken() : std::runtime_error("places taken meanwhile") {}
};

// What a failed batch's error may say in the log (nothing for a problem answered as such).
std::string loggable(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const Problem&) {
    return {};
  } catch (...) {
    return db::loggable(std::current_exception());
  }
}

// Keyed by the person too, so a guessed key never returns someone else's booking.
std::string storedIdemKey(const std::string& key, const std::string& idHash) {
  return crypto::tokenHash(key + "|" + idHash);
}

http::Response keyReadFailed(const std::string& requestId) {
  return http::Response::problem(
      Problem(503, "database_error", "the booking could not be read; please retry"), requestId);
}

struct GridState {
  std::optional<region::Node> grid;
  std::string streetName;
};

}  // namespace

http::Response slotFullAnswer(const std::string& requestId) {
  static const http::CannedProblem full(
      Problem::conflict("slot_full", "no places are left in this slot"));
  http::Response r = full.answer(requestId);
  r.quiet = true;
  return r;
}

Engine::Engine(db::Database& db, AppContext& app, const std::string& dbUrl)
    : db_(db), app_(app), board_(db, dbUrl), workers_(db.writers()) {
  app_.metricLines.push_back([this] {
    return fmt::format(
        "# HELP fangyi_vax_full_keyed_total Keyed bookings on a slot known full, by how their "
        "key was checked.\n"
        "# TYPE fangyi_vax_full_keyed_total counter\n"
        "fangyi_vax_full_keyed_total{{by=\"memory\"}} {}\n"
        "fangyi_vax_full_keyed_total{{by=\"read\"}} {}\n"
        "# HELP fangyi_vax_search_terms_total Crowd bookings whose search terms this process "
        "wrote once the crowd had passed.\n"
        "# TYPE fangyi_vax_search_terms_total counter\n"
        "fangyi_vax_search_terms_total {}\n",
        keyedFullFromMemory_.load(), keyedFullRead_.load(), termsWritten_.load());
  });
}

Engine::~Engine() { stop(); }

void Engine::start() {
  board_.start();
  answerer_ = std::thread([this] { answerLoop(); });
  auto sql = db_.connect();
  int64_t now = Clock::nowMs();
  for (int64_t id : repo::fullSlots(*sql, now)) {
    uint64_t g = board_.generation(id);
    // Re-read under the generation just taken: a place freed meanwhile bumps it.
    if (auto s = repo::slot(*sql, id); s && s->booked >= s->quota) board_.markFull(id, g);
  }
  termsWriter_ = std::thread([this] { termsLoop(); });
}

void Engine::stop() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  answerCv_.notify_all();
  termsCv_.notify_all();
  if (answerer_.joinable()) answerer_.join();
  if (termsWriter_.joinable()) termsWriter_.join();
  board_.stop();
}

void Engine::answerLoop() {
  nameThread("fy-answer");
  for (;;) {
    std::pair<std::shared_ptr<Batch>, std::exception_ptr> next;
    {
      std::unique_lock lk(mu_);
      answerCv_.wait(lk, [&] { return stopping_ || !answers_.empty(); });
      if (answers_.empty()) return;
      next = std::move(answers_.front());
      answers_.pop_front();
    }
    answer(*next.first, next.second);
  }
}

void Engine::book(BookInput in, const Actor& actor, http::Reply reply) {
  // A slot known full takes nobody: a keyed request (a retry, or the citizens' page, which keys
  // every booking) is answered from a read of its key beside the writer, which never sees it.
  // The key's booking, if any, committed before the slot was marked full, so the read finds it.
  if (in.personKey.empty()) in.personKey = personKey(app_, in.person.idNumber);
  if (in.idemKey && board_.full(in.slotId))
    return bookOnFull(in.slotId, storedIdemKey(*in.idemKey, in.personKey), actor.requestId,
                      std::move(reply));
  auto p = std::make_unique<Pending>();
  Booking& b = p->b;
  b.code = newBookingCode();
  b.name = in.person.name;
  setIdentity(b, app_, in.person, in.personKey);
  setPhone(b, app_, in.person.phone);
  if (!in.person.address.empty()) b.addressEnc = app_.vault.seal(in.person.address);
  b.nationality = in.person.nationality;
  if (!in.proxyName.empty()) {
    b.proxyName = in.proxyName;
    b.proxyEnc = app_.vault.seal(json({{"name", in.proxyName},
                                       {"phone", in.proxyPhone},
                                       {"idNumber", in.proxyId},
                                       {"relation", in.proxyRelation}})
                                     .dump());
  }
  if (in.idemKey) b.idemKey = storedIdemKey(*in.idemKey, b.idHash);
  b.status = "booked";
  b.source = "online";
  p->in = std::move(in);
  p->actor = actor;
  p->reply = std::move(reply);
  {
    std::lock_guard lk(mu_);
    queue_.push_back(std::move(p));
    if (running_ >= workers_) return;  // a batch being written picks it up next
    running_++;
  }
  schedule();
}

// Up to workers_ batches at a time: one on SQLite, whose writer is alone, and one per writer
// connection on PostgreSQL. While a batch commits (fsync), new bookings gather for the next.
void Engine::schedule() {
  auto batch = std::make_shared<Batch>();
  db_.writeParallel({[this, batch](soci::session& sql) {
                       {
                         std::lock_guard lk(mu_);
                         while (!queue_.empty() && batch->size() < kMaxBatch) {
                           batch->push_back(std::move(queue_.front()));
                           queue_.pop_front();
                         }
                       }
                       run(sql, *batch);
                     },
                     [this, batch](std::exception_ptr e) { settled(batch, e); },
                     [this, batch](std::exception_ptr e) { ended(batch, e); }});
}

// On the writer thread, as soon as the transaction has ended: the next batch may start while
// this one's commit is synced (settled() answers once it is on disk).
void Engine::ended(const std::shared_ptr<Batch>& batch, std::exception_ptr e) {
  // A batch undone runs again, first in line: at once if another transaction took its places
  // (that one made progress), and twice more for any other error, e.g. PostgreSQL breaking a
  // lock cycle with another node. A database that stays down gets its 503 then.
  bool again = false;
  if (e) {
    bool taken = false;
    try {
      std::rethrow_exception(e);
    } catch (const PlacesTaken&) {
      taken = true;
    } catch (...) {
    }
    again = true;
    for (auto& p : *batch)
      if (!taken && ++p->failures > 2) again = false;
  }
  if (again) spdlog::info("booking batch of {} runs again ({})", batch->size(), loggable(e));
  bool more;
  {
    std::lock_guard lk(mu_);
    if (!e) termsBehind_ = true;
    if (again) {
      for (auto it = batch->rbegin(); it != batch->rend(); ++it) {
        (*it)->reset();
        queue_.push_front(std::move(*it));
      }
      batch->clear();  // its bookings are queued again: nothing to answer for it
    }
    more = !queue_.empty();
    if (!more) running_--;
  }
  if (more) schedule();
}

// Rounds of a few hundred bookings, so that a booking arriving meanwhile waits for one short
// transaction at most. They start once no booking request, booked or refused, has come for
// kQuiet (the crowd has passed, sold-out retries included, or there never was one) and follow
// each other while the queue lasts; under a crowd that does not pass, one round a second keeps
// the queue from growing without end. After an error, the next round waits for the next tick:
// no loop against a database that is down.
void Engine::termsLoop() {
  nameThread("fy-terms");
  using namespace std::chrono_literals;
  constexpr std::chrono::milliseconds kQuiet = 50ms, kAtLeastEvery = 1s;
  auto lastRound = std::chrono::steady_clock::now();
  std::unique_lock lk(mu_);
  for (;;) {
    termsCv_.wait_for(lk, kQuiet, [&] { return stopping_ || termsRoundDone_; });
    termsRoundDone_ = false;
    if (stopping_) return;
    const auto now = std::chrono::steady_clock::now();
    const auto last = std::chrono::steady_clock::time_point(
        std::chrono::steady_clock::duration(lastArrival_.load(std::memory_order_relaxed)));
    const bool quiet = queue_.empty() && running_ == 0 && now - last >= kQuiet;
    if (!termsBehind_ || writingTerms_ || (!quiet && now - lastRound < kAtLeastEvery)) continue;
    writingTerms_ = true;
    termsBehind_ = false;
    lastRound = now;
    lk.unlock();
    auto taken = std::make_shared<int>(0);
    db_.write({[taken](soci::session& sql) { *taken = repo::writeQueuedTerms(sql, kTermsBatch); },
               {},
               [this, taken](std::exception_ptr e) {
                 if (e) spdlog::warn("search terms not written: {}", loggable(e));
                 if (!e) termsWritten_ += static_cast<uint64_t>(*taken);
                 {
                   std::lock_guard g(mu_);
                   writingTerms_ = false;
                   if (e || *taken == kTermsBatch) termsBehind_ = true;
                   termsRoundDone_ = !e;
                 }
                 termsCv_.notify_all();
               }});
    lk.lock();
  }
}

void Engine::settled(const std::shared_ptr<Batch>& batch, std::exception_ptr e) {
  if (batch->empty()) return;
  // Answers are built off the writer thread: it goes on with the next batch.
  {
    std::lock_guard lk(mu_);
    answers_.push_back({batch, e});
  }
  answerCv_.notify_one();
}

void Engine::run(soci::session& sql, Batch& batch) {
  const int64_t now = Clock::nowMs();

  // Places are counted from a plain read and claimed last, by the conditional UPDATE that keeps
  // the quota; if another transaction (PostgreSQL: this node's other writer, or another node)
  // took them meanwhile, the batch is undone and runs again. On SQLite the writer is alone and
  // the read is exact. Locks come in one order, so no two transactions wait on each other in a
  // cycle: new bookings by person (unique keys), then slots by id, then grid and day rows.
  std::map<int64_t, SlotState> slots;
  for (auto& p : batch) slots[p->in.slotId];
  for (auto& [id, s] : slots) {
    s.generation = board_.generation(id);
    s.slot = repo::slot(sql, id);
    if (!s.slot) continue;
    s.vaccine = repo::vaccine(sql, s.slot->vaccineId);
    auto site = repo::site(sql, s.slot->siteId);
    s.siteOpen = site && site->enabled;
    s.left = std::max(0, s.slot->quota - s.slot->booked);
  }
  std::vector<std::string> keys, hashes;
  for (auto& p : batch) {
    if (p->b.idemKey) keys.push_back(*p->b.idemKey);
    hashes.push_back(p->b.idHash);
  }
  // History before keys: without a lock the two reads may straddle another transaction's
  // commit, and its booking must then look like this retry's, never like a second one.
  std::multimap<std::string, std::pair<int64_t, rules::Dose>> doses;
  for (auto& d : repo::activeDosesOf(sql, hashes))
    doses.emplace(d.idHash, std::pair{d.vaccineId,
                                      rules::Dose{d.doseNo, d.vaccinatedAt, true, d.code, d.day}});
  // Retries of a request that already booked answer with that booking.
  auto priorIds = repo::bookingIdsByIdem(sql, keys);
  for (auto& p : batch)
    if (p->b.idemKey)
      if (auto it = priorIds.find(*p->b.idemKey); it != priorIds.end())
        p->prior = repo::booking(sql, it->second);
  std::map<std::string, std::optional<Link>> links;
  std::map<int64_t, GridState> grids;
  const Settings st = loadSettings(sql);
  std::map<std::string, Pending*> acceptedByKey;

  for (auto& pp : batch) {
    Pending& p = *pp;
    if (p.prior) continue;
    try {
      const BookInput& in = p.in;
      auto lit = links.find(in.token);
      if (lit == links.end()) lit = links.emplace(in.token, resolveLink(sql, in.token)).first;
      const auto& link = lit->second;
      if (!link) throw Problem(404, "link_not_found", "this booking link does not exist");
      SlotState& s = slots.at(in.slotId);
      if (!s.slot) throw Problem(404, "slot_not_found", "slot not found");
      const Slot& slot = *s.slot;
      bool typeOk = link->kind == "group" ? slot.type == "group" : slot.type != "group";
      if (!typeOk || slot.regionPath.rfind(link->region.path, 0) != 0)
        throw Problem::conflict("slot_closed", "this slot cannot be booked through this link");
      if (slot.captcha && !iam::spendCaptcha(sql, app_, in.captchaId, in.captchaAnswer))
        throw Problem(400, "captcha_invalid", "this release asks for the captcha (验证码)",
                      {{"captcha", "invalid", "wrong or expired; load a new image"}});
      if (!in.consent)
        throw Problem(422, "consent_required", "accept the vaccination notice (接种须知) first",
                      {{"consent", "required", "must be true"}});
      auto git = grids.find(in.gridId);
      if (git == grids.end()) {
        GridState g;
        g.grid = region::find(sql, in.gridId);
        if (g.grid)
          if (auto street = region::find(sql, g.grid->parentId)) g.streetName = street->name;
        git = grids.emplace(in.gridId, std::move(g)).first;
      }
      const region::Node& grid = gridUnder(git->second.grid, link->region.path);
      if (!validPhone(in.person.docType, in.person.phone))
        throw Problem::invalidField("phone", "invalid_phone", "give a valid mobile number");
      if (slot.locked || now >= slot.endsAt || !s.vaccine || !s.vaccine->enabled || !s.siteOpen)
        throw Problem::conflict("slot_closed", "booking for this slot has closed");
      const Vaccine& v = *s.vaccine;

      std::vector<rules::Dose> h;
      auto [from, to] = doses.equal_range(p.b.idHash);
      for (auto it = from; it != to; ++it)
        if (it->second.first == v.id) h.push_back(it->second.second);
      auto e = rules::eligibility(v, h, ageOf(in.person, slot.day), st, slot.day);
      if (e.reason == "already_booked") {
        if (p.b.idemKey)
          if (auto k = acceptedByKey.find(*p.b.idemKey); k != acceptedByKey.end()) {
            p.sameAs = k->second;
            continue;
          }
        throw Problem::conflict("already_booked",
                                "this person already holds an active booking for dose " +
                                    std::to_string(e.nextDose) + " of this vaccine");
      }
      if (!e.eligible)
        throw Problem(
            422, "not_eligible", "not eligible: " + e.reason,
            {{"idNumber", e.reason, e.earliestDay ? "earliest date " + *e.earliestDay : e.reason}});
      if (in.doseNo != e.nextDose)
        throw Problem(422, "not_eligible",
                      "the next dose for this person is " + std::to_string(e.nextDose),
                      {{"doseNo", "dose_order", "book dose " + std::to_string(e.nextDose)}});
      if (s.left == 0) throw Problem::conflict("slot_full", "no places are left in this slot");

      Booking& b = p.b;
      b.type = slot.type;
      b.slotId = slot.id;
      b.siteId = slot.siteId;
      b.vaccineId = v.id;
      b.doseNo = in.doseNo;
      b.streetId = grid.parentId;
      b.gridId = grid.id;
      b.regionPath = grid.path;
      b.day = slot.day;
      b.startMin = slot.startMin;
      b.endMin = slot.endMin;
      b.startsAt = slot.startsAt;
      b.endsAt = slot.endsAt;
      b.releaseAt = rules::releaseAt(now, slot.startsAt, st.releaseMinutes(slot.type));
      b.remindAt = rules::remindAt(now, slot.day);
      b.createdAt = b.updatedAt = now;
      b.vaccineName = v.name;
      b.vaccineNameEn = v.nameEn;
      b.vaccineDoses = v.doses;
      b.siteName = slot.siteName;
      b.siteAddress = slot.siteAddress;
      b.streetName = git->second.streetName;
      b.gridName = grid.name;
      b.remark = slot.remark;
      s.left--;
      p.accepted = true;
      // The same person twice in one batch meets this booking, as a second request would.
      doses.emplace(b.idHash,
                    std::pair{v.id, rules::Dose{b.doseNo, std::nullopt, true, b.code, b.day}});
      if (b.idemKey) acceptedByKey[*b.idemKey] = &p;
    } catch (const Problem& e) {
      p.problem = e;
    }
  }

  std::vector<Pending*> accepted;
  for (auto& p : batch)
    if (p->accepted) accepted.push_back(p.get());
  std::sort(accepted.begin(), accepted.end(),
            [](const Pending* x, const Pending* y) { return x->b.idHash < y->b.idHash; });
  std::vector<Booking*> rows;
  for (Pending* p : accepted) rows.push_back(&p->b);
  auto ids = repo::insertBookings(sql, rows, newBookingCode);
  std::map<std::tuple<int64_t, int64_t, int>, int> gridDelta;
  std::map<std::pair<int64_t, std::string>, int> dayDelta;
  std::vector<notify::Message> sms;
  std::vector<audit::Created> trail;
  const std::string today = rules::localDay(now);
  for (size_t i = 0; i < accepted.size(); ++i) {
    Pending& p = *accepted[i];
    Booking& b = p.b;
    if (!ids[i]) {
      // Another node booked this person (or used this key) since our read: its commit decides.
      p.accepted = false;
      slots.at(*b.slotId).left++;
      if (b.idemKey)
        if (auto prior = repo::bookingByIdem(sql, *b.idemKey)) {
          p.prior = std::move(prior);
          continue;
        }
      p.problem = Problem::conflict("already_booked",
                                    "this person already holds an active booking for this dose");
      continue;
    }
    b.id = ids[i];
    slots.at(*b.slotId).taken++;
    gridDelta[{b.gridId, b.vaccineId, b.doseNo}]++;
    dayDelta[{b.streetId, today}]++;
    if (!b.phoneEnc.empty())
      sms.push_back({b.phoneEnc, b.phoneMask, bookingSmsVars(b), b.regionPath});
    trail.push_back({p.actor, b.id, b.regionPath, "预约 " + b.vaccineName, bookingAuditText(b)});
  }
  for (auto& [id, s] : slots)
    if (s.taken > 0 && !repo::takePlaces(sql, id, s.taken, now)) throw PlacesTaken();
  for (auto& [k, n] : gridDelta)
    repo::bumpGrid(sql, std::get<0>(k), std::get<1>(k), std::get<2>(k), n, 0);
  for (auto& [k, n] : dayDelta) repo::bumpDay(sql, k.first, k.second, n, 0, 0);
  notify::enqueueAll(sql, "vax_booked", sms);
  audit::recordCreated(sql, "vax_booking", trail);

  // Full slots become known once this transaction is on disk, as its answers go out then.
  std::vector<std::pair<int64_t, uint64_t>> full;
  for (auto& [id, s] : slots)
    if (s.slot && s.left == 0) full.emplace_back(id, s.generation);
  db::afterCommit([this, full] {
    for (auto [id, g] : full) board_.markFull(id, g);
  });
}

bool Engine::refusesKey(int64_t slotId, const std::string& idNumber, const std::string& key) {
  return refusedFromMemory(slotId, storedIdemKey(key, personKey(app_, idNumber)));
}

// Whether a keyed request on a full slot can be refused at once: the slot's keys are known and
// its key is not among them. The first such request has the keys read for those after it.
bool Engine::refusedFromMemory(int64_t slotId, const std::string& storedKey) {
  switch (board_.keySeen(slotId, std::hash<std::string>{}(storedKey))) {
    case SlotBoard::KeySeen::absent:
      keyedFullFromMemory_.fetch_add(1, std::memory_order_relaxed);
      return true;
    case SlotBoard::KeySeen::unknown:
      readKeysOfFull(slotId);
      return false;
    case SlotBoard::KeySeen::maybe:
      return false;
  }
  return false;
}

// Refused from memory, else its key is read (its booking, or 409).
void Engine::bookOnFull(int64_t slotId, std::string storedKey, const std::string& requestId,
                        http::Reply reply) {
  if (refusedFromMemory(slotId, storedKey)) return reply(slotFullAnswer(requestId));
  checkKeyOnFull({std::move(storedKey), requestId, std::move(reply)});
}

void Engine::readKeysOfFull(int64_t slotId) {
  uint64_t gen = 0;
  if (!board_.claimKeyRead(slotId, gen)) return;
  db_.read(
      [this, slotId, gen](soci::session& sql) {
        std::vector<uint64_t> fingerprints;
        repo::eachIdemKeyOfSlot(sql, slotId, [&](const std::string& k) {
          fingerprints.push_back(std::hash<std::string>{}(k));
        });
        board_.keysRead(slotId, gen, std::move(fingerprints));
      },
      // The claim goes back, so that a later request has the keys read again.
      [this, slotId, gen](std::exception_ptr e) {
        spdlog::warn("reading the keys of full slot {} failed: {}", slotId, loggable(e));
        board_.keysLost(slotId, gen);
      });
}

void Engine::checkKeyOnFull(KeyCheck c) {
  {
    std::lock_guard lk(mu_);
    keyChecks_.push_back(std::move(c));
    if (checkingKeys_) return;  // the job on its way picks it up
    checkingKeys_ = true;
  }
  readKeyChecks();
}

// A batch of checks per read job, one query each, as the writer drains bookings. The next
// batch is a new job at the back of the read queue, so a sold-out flood takes its turn with
// other reads instead of keeping a reader. A job that fails or cannot run (no connection)
// answers the waiting checks 503 rather than strand them.
void Engine::readKeyChecks() {
  db_.read(
      [this](soci::session& sql) {
        std::vector<KeyCheck> checks;
        {
          std::lock_guard lk(mu_);
          while (!keyChecks_.empty() && checks.size() < kMaxBatch) {
            checks.push_back(std::move(keyChecks_.front()));
            keyChecks_.pop_front();
          }
        }
        answerKeyChecks(sql, checks);
        {
          std::lock_guard lk(mu_);
          if (keyChecks_.empty()) {
            checkingKeys_ = false;
            return;
          }
        }
        readKeyChecks();
      },
      [this](std::exception_ptr e) {
        spdlog::error("checking keys on a full slot failed: {}", loggable(e));
        failKeyChecks();
      });
}

void Engine::failKeyChecks() {
  std::deque<KeyCheck> checks;
  {
    std::lock_guard lk(mu_);
    checks.swap(keyChecks_);
    checkingKeys_ = false;
  }
  for (auto& c : checks) c.reply(keyReadFailed(c.requestId));
}

void Engine::answerKeyChecks(soci::session& sql, std::vector<KeyCheck>& checks) {
  keyedFullRead_.fetch_add(checks.size(), std::memory_order_relaxed);
  std::map<std::string, int64_t> booked;
  std::exception_ptr error;
  try {
    std::vector<std::string> keys;
    for (const auto& c : checks) keys.push_back(c.storedKey);
    booked = repo::bookingIdsByIdem(sql, keys);
  } catch (...) {
    error = std::current_exception();
  }
  const int64_t now = Clock::nowMs();
  for (auto& c : checks) {
    http::Response r;
    try {
      if (error) std::rethrow_exception(error);
      auto it = booked.find(c.storedKey);
      auto prior = it == booked.end() ? std::nullopt : repo::booking(sql, it->second);
      if (prior) {
        r.status = 201;
        r.body = publicBody(*prior, now);
      } else {
        r = slotFullAnswer(c.requestId);
      }
    } catch (const std::exception&) {
      r = keyReadFailed(c.requestId);
    }
    c.reply(std::move(r));
  }
  if (error) std::rethrow_exception(error);  // every check is answered; now the connection
}

void Engine::answer(Batch& batch, std::exception_ptr error) {
  const int64_t now = Clock::nowMs();
  if (error)
    if (auto why = loggable(error); !why.empty())
      spdlog::error("booking batch of {} failed: {}", batch.size(), why);
  for (auto& pp : batch) {
    // The same key twice in one batch gets the first request's answer.
    Pending* p = pp->sameAs ? pp->sameAs : pp.get();
    http::Response r;
    if (error) {
      try {
        std::rethrow_exception(error);
      } catch (const Problem& e) {
        r = http::Response::problem(e, p->actor.requestId);
      } catch (const std::exception&) {
        r = http::Response::problem(
            Problem(503, "database_error", "the booking could not be saved; please retry"),
            p->actor.requestId);
      }
    } else if (p->problem) {
      r = http::Response::problem(*p->problem, p->actor.requestId);
    } else {
      r.status = 201;
      r.body = publicBody(p->prior ? *p->prior : p->b, now);
    }
    pp->reply(std::move(r));
  }
}

}  // namespace fy::vax
