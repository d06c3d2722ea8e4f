// The experiment queue: its file round-trips, its edits keep their rules,
// sweeps expand in order, and a queue whose runner is killed mid-run resumes
// that run from its checkpoint when it is run again (fitbench-cli --queue).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <thread>

#include "file_test_util.h"
#include "fit_fixture.h"
#include "fitbench/checkpoint.h"
#include "fitbench/file_util.h"
#include "fitbench/gpu_module.h"
#include "fitbench/run_queue.h"
#include "fitbench/run_records.h"
#include "run_program.h"

namespace fitbench {
namespace {

using test::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::string> names_of(const RunQueue& q) {
  std::vector<std::string> names;
  for (const auto& e : q.entries()) names.push_back(e.name);
  return names;
}

// A pid that no process has any more.
int dead_pid() {
  const pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);
  return child;
}

TEST(RunQueue, EditsKeepTheirRulesAndTheFileRoundTrips) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "lenet-3");  // a run already in the workspace
  RunQueue q;
  FitArgs a = train_mnist_defaults();
  a.set("network", "lenet");
  const std::string first = q.add("lenet", a, dir.path().string());
  const std::string second = q.add("lenet", a, dir.path().string());
  const std::string third = q.add("lenet", a, dir.path().string());
  EXPECT_THAT(names_of(q), ElementsAre("lenet", "lenet-2", "lenet-4"));

  q.move(third, 0);
  EXPECT_THAT(names_of(q), ElementsAre("lenet-4", "lenet", "lenet-2"));
  q.pause(third);
  EXPECT_EQ(q.next_to_run()->id, first);  // a paused entry is passed over
  EXPECT_THROW(q.pause(third), Error);
  q.resume(third);
  q.cancel(second);
  EXPECT_EQ(q.find(second)->state, QueueState::Cancelled);
  EXPECT_THROW(q.cancel(second), Error);
  q.retry(second);
  EXPECT_EQ(q.find(second)->state, QueueState::Queued);
  EXPECT_THROW(q.retry(second), Error);  // it has not ended

  // A running entry whose process is gone comes first: it was interrupted.
  q.find(second)->state = QueueState::Running;
  q.find(second)->runner_pid = dead_pid();
  EXPECT_EQ(q.next_to_run()->id, second);
  EXPECT_THROW(q.cancel(second), Error);
  q.find(second)->runner_pid = static_cast<int>(getpid());  // alive: someone is training it
  EXPECT_EQ(q.next_to_run()->id, third);

  const std::string path = queue_path(dir.path().string());
  q.save(path);
  const RunQueue back = RunQueue::load(path);
  ASSERT_EQ(back.entries().size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(back.entries()[i], q.entries()[i]);
  RunQueue more = back;
  EXPECT_THROW(more.remove(second), Error);  // its runner is alive
  more.remove(first);
  EXPECT_THAT(names_of(more), ElementsAre("lenet-4", "lenet-2"));
  EXPECT_EQ(more.add("x", a, dir.path().string()), "4");  // ids are never reused
}

TEST(RunQueue, ABadFileIsNamed) {
  TempDir dir;
  const std::string path = dir.file("queue.json");
  EXPECT_TRUE(RunQueue::load(path).entries().empty());  // none yet
  std::ofstream(path) << R"({"entries":[{"id":"1","name":"../x","state":"queued","args":{}}]})";
  EXPECT_THAT(test::error_message([&] { RunQueue::load(path); }), HasSubstr("not a directory name"));
  std::ofstream(path) << R"({"entries":[{"id":"1","name":"x","state":"asleep","args":{}}]})";
  EXPECT_THAT(test::error_message([&] { RunQueue::load(path); }), HasSubstr("'asleep', which is not a queue state"));
  std::ofstream(path) << "[]";
  EXPECT_THAT(test::error_message([&] { RunQueue::load(path); }), HasSubstr(path + "' is not a queue file"));
}

TEST(RunQueue, FitArgumentsPlaceTheRunAndResumeFromTheLastSavedEpoch) {
  TempDir dir;
  QueueEntry e;
  e.name = "lenet-lr0.1";
  e.args = train_mnist_defaults();
  e.args.set("network", "lenet");
  e.args.set("load-prefix", "elsewhere/lenet");
  e.args.set("load-epoch", "2");
  const FitArgs fresh = queue_fit_args(e, dir.path().string());
  EXPECT_EQ(fresh.get_string("run-dir"), dir.file("lenet-lr0.1"));
  EXPECT_EQ(fresh.get_string("model-prefix"), dir.file("lenet-lr0.1/lenet"));
  EXPECT_EQ(fresh.get_string("load-prefix"), "elsewhere/lenet");  // a branch starts where it was told
  // The experiment's own --model-prefix is another run's: the entry saves in
  // its folder, and loads from that prefix only when told to load.
  QueueEntry from_form = e;
  from_form.args.unset("load-prefix");
  from_form.args.set("model-prefix", "runs/default/lenet");
  const FitArgs placed = queue_fit_args(from_form, dir.path().string());
  EXPECT_EQ(placed.get_string("model-prefix"), dir.file("lenet-lr0.1/lenet"));
  EXPECT_EQ(placed.get_string("load-prefix"), "runs/default/lenet");
  from_form.args.unset("load-epoch");
  EXPECT_FALSE(queue_fit_args(from_form, dir.path().string()).is_set("load-prefix"));
  EXPECT_FALSE(fresh.is_set("gpus"));
  EXPECT_EQ(queue_fit_args(e, dir.path().string(), "1").get_string("gpus"), "1");  // a runner that owns gpu(1)

  // Started before, with epochs 1 and 3 saved: it continues from 3, its own.
  e.attempts = 1;
  std::filesystem::create_directories(dir.path() / "lenet-lr0.1");
  for (const std::string& f : {symbol_path(dir.file("lenet-lr0.1/lenet")), params_path(dir.file("lenet-lr0.1/lenet"), 1),
                               params_path(dir.file("lenet-lr0.1/lenet"), 3),
                               params_path(dir.file("lenet-lr0.1/lenet-partial"), 4)})
    std::ofstream(f) << "x";
  EXPECT_THAT(saved_epochs(dir.file("lenet-lr0.1/lenet")), ElementsAre(1, 3));
  const FitArgs resumed = queue_fit_args(e, dir.path().string());
  EXPECT_EQ(resumed.get_int("load-epoch"), 3);
  EXPECT_FALSE(resumed.is_set("load-prefix"));

  // A stop that saved epoch 3's first batches: the run goes on from them.
  std::ofstream(symbol_path(dir.file("lenet-lr0.1/lenet-partial"))) << "x";
  std::filesystem::rename(params_path(dir.file("lenet-lr0.1/lenet-partial"), 4),
                          params_path(dir.file("lenet-lr0.1/lenet-partial"), 3));
  const FitArgs fromPartial = queue_fit_args(e, dir.path().string());
  EXPECT_EQ(fromPartial.get_string("load-prefix"), dir.file("lenet-lr0.1/lenet-partial"));
  EXPECT_EQ(fromPartial.get_int("load-epoch"), 3);
  // One of an epoch completed since was resumed before.
  std::filesystem::rename(params_path(dir.file("lenet-lr0.1/lenet-partial"), 3),
                          params_path(dir.file("lenet-lr0.1/lenet-partial"), 2));
  EXPECT_EQ(queue_fit_args(e, dir.path().string()).get_int("load-epoch"), 3);
  EXPECT_FALSE(queue_fit_args(e, dir.path().string()).is_set("load-prefix"));
}

TEST(Sweep, ListsAndRangesExpandFirstAxisSlowest) {
  EXPECT_THAT(parse_sweep_axis("lr=0.1,0.05").values, ElementsAre("0.1", "0.05"));
  EXPECT_THAT(parse_sweep_axis("--batch-size=64:256:64").values, ElementsAre("64", "128", "192", "256"));
  EXPECT_THAT(parse_sweep_axis("lr=0.1:0.3:0.1").values, ElementsAre("0.1", "0.2", "0.3"));
  EXPECT_THAT(parse_sweep_axis("optimizer=sgd,adam").values, ElementsAre("sgd", "adam"));
  EXPECT_THAT(test::error_message([] { parse_sweep_axis("lr"); }), HasSubstr("ARGUMENT=VALUES"));
  EXPECT_THAT(test::error_message([] { parse_sweep_axis("lrr=0.1"); }), HasSubstr("--lrr is not an argument"));
  EXPECT_THAT(test::error_message([] { parse_sweep_axis("lr=0.1,abc"); }), HasSubstr("invalid float value: 'abc'"));
  EXPECT_THAT(test::error_message([] { parse_sweep_axis("batch-size=64:32:16"); }), HasSubstr("does not lead"));
  EXPECT_THAT(test::error_message([] { parse_sweep_axis("batch-size=1:2:0.5"); }), HasSubstr("whole numbers"));

  FitArgs base = train_mnist_defaults();
  const auto runs = expand_sweep("lenet", base, {parse_sweep_axis("lr=0.1,0.05"), parse_sweep_axis("batch-size=64,128")});
  ASSERT_EQ(runs.size(), 4u);
  EXPECT_EQ(runs[0].first, "lenet-lr0.1-batch-size64");
  EXPECT_EQ(runs[1].first, "lenet-lr0.1-batch-size128");
  EXPECT_EQ(runs[3].first, "lenet-lr0.05-batch-size128");
  EXPECT_EQ(runs[3].second.get_float("lr"), 0.05);
  EXPECT_EQ(runs[3].second.get_int("batch-size"), 128);
}

// A queue in <dir>/ws of the runs `queue_args` (--sweep ... and fit
// arguments) add, training on idx data of `samples` images in <dir>/data.
std::string add_queue(const TempDir& dir, int samples, const std::string& queue_args) {
  testing::write_idx_pair(dir.path() / "data", "train", samples, 5);
  testing::write_idx_pair(dir.path() / "data", "t10k", samples / 10, 6);
  const std::string queue = dir.file("ws/queue.json");
  const test::ProgramResult added =
      test::run_program(FITBENCH_CLI_PATH, "--queue-add " + queue + " " + queue_args + " --disp-batches 1000 " +
                                               "--data-train " + dir.file("data") + " --data-val " + dir.file("data"));
  EXPECT_EQ(added.code, 0) << added.output;
  return queue;
}

// `fitbench-cli --queue queue [options]` in a process of its own, its output in `log`.
pid_t start_runner(const std::string& queue, const std::string& log, const std::string& options = "") {
  const pid_t pid = fork();
  if (pid == 0) {
    const std::string command =
        "exec " + std::string(FITBENCH_CLI_PATH) + " --queue " + queue + " " + options + " > " + log + " 2>&1";
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

// The must-show of the queue, headless: 4 runs, the runner killed while the
// second trains, run again: all 4 finish, the second from its checkpoint.
TEST(QueueCli, AKilledRunnerLeavesARunThatResumesFromItsCheckpoint) {
  TempDir dir;
  const std::string queue =
      add_queue(dir, 1000, "--sweep lr=0.1,0.05 --sweep batch-size=25,50 --network lenet --num-epochs 6");
  const RunQueue queued = RunQueue::load(queue);
  ASSERT_EQ(queued.entries().size(), 4u);
  const std::string second = dir.file("ws/" + queued.entries()[1].name);

  const pid_t pid = start_runner(queue, dir.file("first.log"));
  ASSERT_GE(pid, 0);
  // Killed (no chance to write anything) once the second run saved epoch 1.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
  while (!std::filesystem::exists(params_path(second + "/lenet", 1)) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  const RunQueue killed = RunQueue::load(queue);
  EXPECT_EQ(killed.entries()[0].state, QueueState::Done);
  EXPECT_EQ(killed.entries()[1].state, QueueState::Running);
  EXPECT_EQ(killed.entries()[2].state, QueueState::Queued);

  const test::ProgramResult rerun = test::run_program(FITBENCH_CLI_PATH, "--queue " + queue);
  EXPECT_EQ(rerun.code, 0) << rerun.output;
  EXPECT_THAT(rerun.output, HasSubstr("resuming " + queued.entries()[1].name));
  for (const auto& e : RunQueue::load(queue).entries()) EXPECT_EQ(e.state, QueueState::Done) << e.name;

  // The second run's records: a first part cut off, then one that begins
  // after the saved epoch instead of at 0.
  std::vector<StartRecord> starts;
  for (const auto& r : read_run_records(run_records_path(second)).records)
    if (const auto* s = std::get_if<StartRecord>(&r)) starts.push_back(*s);
  ASSERT_EQ(starts.size(), 2u);
  EXPECT_EQ(starts[0].begin_epoch, 0);
  EXPECT_GE(starts[1].begin_epoch, 1);
  EXPECT_TRUE(std::filesystem::exists(params_path(second + "/lenet", 6)));
}

// Runners in parallel (what --queue-gpus starts, one per GPU): every entry
// is claimed by one of them and trained once.
TEST(QueueCli, TwoRunnersTrainEveryEntryOnce) {
  TempDir dir;
  const std::string queue = add_queue(dir, 400, "--sweep lr=0.1,0.05,0.02,0.01 --network mlp --num-epochs 2");
  std::vector<pid_t> runners;
  for (int r = 0; r < 2; ++r) {
    runners.push_back(start_runner(queue, dir.file("runner" + std::to_string(r) + ".log")));
    ASSERT_GE(runners.back(), 0);
  }
  for (const pid_t pid : runners) {
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  }
  const RunQueue done = RunQueue::load(queue);
  ASSERT_EQ(done.entries().size(), 4u);
  for (const auto& e : done.entries()) {
    EXPECT_EQ(e.state, QueueState::Done) << e.name;
    EXPECT_EQ(e.attempts, 1) << e.name;
    EXPECT_EQ(saved_epochs(dir.file("ws/" + e.name + "/mlp")), std::vector<int>({1, 2})) << e.name;
  }
}

// What closing the application does to the --queue-gpus process it started
// (SIGHUP): the runners end at once and leave their entries interrupted, for
// the next runner to resume, as a killed runner does. (SIGTERM would stop
// them, each saving its epoch so far, and the entries would be Stopped.)
TEST(QueueCli, AHangupEndsTheGpuRunnersAndLeavesTheirEntriesToResume) {
  if (!gpu_module_status().loaded || usable_gpu_count() == 0) GTEST_SKIP() << "needs a GPU";
  TempDir dir;
  const std::string queue = add_queue(dir, 1000, "--network lenet --num-epochs 1000");
  const pid_t pid = start_runner(queue, dir.file("runner.log"), "--queue-gpus 0");
  ASSERT_GE(pid, 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  while (RunQueue::load(queue).entries()[0].state != QueueState::Running &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const QueueEntry claimed = RunQueue::load(queue).entries()[0];
  ASSERT_EQ(claimed.state, QueueState::Running);
  kill(pid, SIGHUP);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_FALSE(process_is_running(claimed.runner_pid));
  RunQueue left = RunQueue::load(queue);
  EXPECT_EQ(left.entries()[0].state, QueueState::Running);
  EXPECT_EQ(left.entries()[0].runner_pid, claimed.runner_pid);
  ASSERT_NE(left.next_to_run(), nullptr);
  EXPECT_EQ(left.next_to_run()->id, claimed.id);
}

// A failed entry's reason was only in queue.json, and a stopped or failed
// entry could only be run again from the application.
TEST(QueueCli, FailuresAreNamedAndRetryQueuesThemAgain) {
  TempDir dir;
  const std::string queue = add_queue(dir, 200, "--network mlp --num-epochs 1");
  const std::string later = dir.file("later");
  const test::ProgramResult added = test::run_program(
      FITBENCH_CLI_PATH,
      "--queue-add " + queue + " --name broken --network mlp --num-epochs 1 --data-train " + later +
          " --data-val " + later);
  ASSERT_EQ(added.code, 0) << added.output;
  EXPECT_THAT(added.output, HasSubstr("warning: as it stands, the run would not start: argument --data-train: " +
                                      later + " does not exist"));
  const test::ProgramResult first = test::run_program(FITBENCH_CLI_PATH, "--queue " + queue);
  EXPECT_EQ(first.code, 1) << first.output;
  EXPECT_THAT(first.output, HasSubstr("queue: broken (entry 2) failed: argument --data-train: " + later +
                                      " does not exist"));
  EXPECT_THAT(first.output, HasSubstr("--queue " + queue + " --retry runs them again"));

  // The data comes: --retry trains the failed entry, and only it.
  testing::write_idx_pair(later, "train", 200, 7);
  testing::write_idx_pair(later, "t10k", 40, 8);
  const test::ProgramResult retried = test::run_program(FITBENCH_CLI_PATH, "--queue " + queue + " --retry");
  EXPECT_EQ(retried.code, 0) << retried.output;
  EXPECT_THAT(retried.output, HasSubstr("1 run started"));
  for (const auto& e : RunQueue::load(queue).entries()) EXPECT_EQ(e.state, QueueState::Done) << e.name;

  // A mistyped queue file is an error, and nothing is made for it.
  const test::ProgramResult absent = test::run_program(FITBENCH_CLI_PATH, "--queue " + dir.file("absent/queue.json"));
  EXPECT_EQ(absent.code, 2) << absent.output;
  EXPECT_THAT(absent.output, HasSubstr("is not a queue file; make one with --queue-add"));
  EXPECT_FALSE(std::filesystem::exists(dir.file("absent")));
}

TEST(QueueCli, QueueGpusAreCheckedBeforeAnyRunnerStarts) {
  TempDir dir;
  const std::string queue = dir.file("queue.json");
  ASSERT_EQ(test::run_program(FITBENCH_CLI_PATH, "--queue-add " + queue + " --network mlp").code, 0);
  if (gpu_module_status().loaded && usable_gpu_count() > 0) GTEST_SKIP() << "this machine has a GPU";
  const test::ProgramResult r = test::run_program(FITBENCH_CLI_PATH, "--queue " + queue + " --queue-gpus 0,1");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("argument --queue-gpus 0,1: "));
  EXPECT_THAT(r.output, HasSubstr("leave --queue-gpus out to run on the CPU"));
  EXPECT_EQ(RunQueue::load(queue).entries()[0].state, QueueState::Queued);
  EXPECT_EQ(test::run_program(FITBENCH_CLI_PATH, "--queue-gpus 0 --network mlp").code, 2);
}

}  // namespace
}  // namespace fitbench
