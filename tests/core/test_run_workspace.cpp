// The runs workspace: real runs found and summarised from their records
// (status, best accuracy, branches), kept current by reading what a run
// appends, notes kept beside them, and deletion limited to a run's own files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "file_test_util.h"
#include "fit_fixture.h"
#include "fitbench/checkpoint.h"
#include "fitbench/fit.h"
#include "fitbench/run_workspace.h"

namespace fitbench {
namespace {

using test::TempDir;
using ::testing::ElementsAre;
using ::testing::Contains;
using ::testing::Not;

class RunWorkspaceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::write_idx_pair(dir_.path() / "data", "train", 320, 3);
    testing::write_idx_pair(dir_.path() / "data", "t10k", 64, 4);
  }

  // A run of mlp in ws/<name>, checkpoints beside its records.
  FitArgs args_for(const std::string& name) const {
    FitArgs a = testing::idx_fit_args(dir_.path(), "mlp");
    a.set("batch-size", "32");
    a.set("num-epochs", "2");
    a.set("run-dir", ws(name));
    a.set("model-prefix", ws(name) + "/mlp");
    return a;
  }
  std::string ws(const std::string& name = "") const { return dir_.file("ws") + (name.empty() ? "" : "/" + name); }
  static FinishInfo train(const FitArgs& a) { return fit(a, {nullptr, nullptr, false, {}}); }

  TempDir dir_;
};

TEST_F(RunWorkspaceTest, SummarisesFinishedDivergedAndBranchedRuns) {
  FitArgs base = args_for("base");
  train(base);
  FitArgs branch = args_for("branch");
  branch.set("load-prefix", ws("base") + "/mlp");
  branch.set("load-epoch", "1");
  branch.set("num-epochs", "3");
  branch.set("lr", "0.01");
  train(branch);
  FitArgs diverged = args_for("diverged");
  diverged.set("lr", "1e6");
  EXPECT_TRUE(train(diverged).diverged);

  RunWorkspace workspace(ws());
  EXPECT_EQ(workspace.scan().size(), 3u);
  ASSERT_EQ(workspace.runs().size(), 3u);
  const RunSummary& b = *workspace.find(ws("base"));
  EXPECT_EQ(b.name, "base");
  EXPECT_EQ(b.status, RunStatus::Finished);
  EXPECT_EQ(b.network, "mlp");
  EXPECT_EQ(b.epochs_done, 2);
  EXPECT_EQ(b.num_epochs, 2);
  ASSERT_TRUE(b.best_accuracy.has_value());
  // The best epoch's accuracy is the largest of the records'.
  const auto records = read_run_records(run_records_path(ws("base")));
  double best = -1;
  for (const auto& r : records.records)
    if (const auto* e = std::get_if<EpochRecord>(&r)) best = std::max(best, e->validation.front().second);
  EXPECT_EQ(*b.best_accuracy, best);
  EXPECT_TRUE(std::isfinite(b.last_loss));
  EXPECT_GT(b.samples_per_sec, 0.0);
  EXPECT_GT(b.wall_seconds, 0.0);
  EXPECT_GT(b.started, 1.7e9);
  EXPECT_TRUE(b.parent_dir.empty());

  const RunSummary& br = *workspace.find(ws("branch"));
  EXPECT_EQ(br.status, RunStatus::Finished);
  EXPECT_EQ(br.parent_dir, ws("base"));
  EXPECT_EQ(br.parent_epoch, 1);
  EXPECT_EQ(br.epochs_done, 2);  // epochs 1 and 2

  const RunSummary& d = *workspace.find(ws("diverged"));
  EXPECT_EQ(d.status, RunStatus::Diverged);
  EXPECT_FALSE(d.message.empty());

  const auto changed = changed_arguments(br.args);
  for (const char* name : {"batch-size", "lr", "num-epochs", "load-epoch", "load-prefix"})
    EXPECT_THAT(changed, Contains(name));
  EXPECT_THAT(changed, Not(Contains("network")));       // fitbench-cli's default is mlp
  EXPECT_THAT(changed, Not(Contains("model-prefix")));  // where files go is not a difference
  EXPECT_THAT(differing_arguments({&b, &br}), ElementsAre("num-epochs", "lr", "load-epoch", "load-prefix"));
  EXPECT_TRUE(differing_arguments({&b}).empty());

  // Both runs' curves in one long table: a row per value, named by run.
  const std::string csv = curves_csv({&b, &br});
  EXPECT_EQ(csv.substr(0, csv.find('\n')), "run,dir,kind,epoch,batch,num_update,metric,value");
  const auto rows_with = [&](const std::string& text) {
    size_t n = 0;
    for (size_t at = csv.find(text); at != std::string::npos; at = csv.find(text, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(rows_with(",validation-accuracy,"), 4u);  // two epochs each
  EXPECT_EQ(rows_with("branch," + ws("branch") + ",epoch,2,,"), 3u);  // its epoch 2: train and validation accuracy, time
  EXPECT_EQ(rows_with(",loss,"), rows_with(",samples_per_sec,"));
}

TEST_F(RunWorkspaceTest, StatusFollowsTheRecordsAndTheWritersLock) {
  std::filesystem::create_directories(ws("killed"));
  std::ofstream(ws("killed") + "/config.json") << args_for("killed").to_json().dump();
  {
    RunRecordWriter writer(run_records_path(ws("killed")));
    writer.write(StartRecord{1.8e9, 0, 2});
    writer.write(EpochRecord{0, 10, 1.5, 0.1, {{"accuracy", 0.5}}, {{"accuracy", 0.625}}});

    RunWorkspace workspace(ws());
    workspace.scan();
    const RunSummary& running = *workspace.find(ws("killed"));
    EXPECT_EQ(running.status, RunStatus::Running);
    EXPECT_EQ(running.epochs_done, 1);
    EXPECT_EQ(*running.best_accuracy, 0.625);

    // Appended lines are read on refresh, and only those.
    writer.write(EpochRecord{1, 20, 1.5, 0.1, {{"accuracy", 0.75}}, {{"accuracy", 0.875}}});
    EXPECT_TRUE(workspace.refresh(ws("killed")));
    EXPECT_EQ(workspace.find(ws("killed"))->epochs_done, 2);
    EXPECT_EQ(workspace.find(ws("killed"))->best_epoch, 1);
  }
  // The writer went away without an end record: the process died.
  RunWorkspace workspace(ws());
  workspace.scan();
  EXPECT_EQ(workspace.find(ws("killed"))->status, RunStatus::Interrupted);
}

// A run started again in its directory (Overwrite, or a resume from an
// earlier epoch) appends its records: from its start epoch on, they replace
// the earlier run's, and its config.json is read again.
TEST_F(RunWorkspaceTest, ARunStartedAgainInItsDirectoryReplacesTheEarlierEpochs) {
  std::filesystem::create_directories(ws("again"));
  FitArgs first = args_for("again");
  std::ofstream(ws("again") + "/config.json") << first.to_json().dump();
  RunRecordWriter writer(run_records_path(ws("again")));
  writer.write(StartRecord{1.8e9, 0, 2});
  writer.write(EpochRecord{0, 10, 1.5, 0.1, {{"accuracy", 0.5}}, {{"accuracy", 0.75}}});
  writer.write(EpochRecord{1, 20, 1.5, 0.1, {{"accuracy", 0.6}}, {{"accuracy", 0.875}}});
  writer.write(EndRecord{1.8e9 + 10, "finished", 2, ""});
  RunWorkspace workspace(ws());
  workspace.scan();
  EXPECT_EQ(*workspace.find(ws("again"))->best_accuracy, 0.875);

  FitArgs second = first;
  second.set("lr", "1e6");
  std::ofstream(ws("again") + "/config.json") << second.to_json().dump();
  writer.write(StartRecord{1.8e9 + 20, 0, 2});
  writer.write(EpochRecord{0, 10, 1.5, 0.1, {{"accuracy", 0.1}}, {{"accuracy", 0.25}}});
  EXPECT_TRUE(workspace.refresh(ws("again")));
  const RunSummary& again = *workspace.find(ws("again"));
  EXPECT_EQ(again.epochs_done, 1);
  EXPECT_EQ(*again.best_accuracy, 0.25);
  EXPECT_EQ(again.best_epoch, 0);
  EXPECT_EQ(again.args.get_float("lr"), 1e6);

  // A resume from epoch 1 keeps epoch 0's record.
  writer.write(StartRecord{1.8e9 + 30, 1, 2});
  writer.write(EpochRecord{1, 20, 1.5, 0.1, {{"accuracy", 0.7}}, {{"accuracy", 0.5}}});
  EXPECT_TRUE(workspace.refresh(ws("again")));
  EXPECT_EQ(workspace.find(ws("again"))->epochs_done, 2);
  EXPECT_EQ(*workspace.find(ws("again"))->best_accuracy, 0.5);
}

TEST_F(RunWorkspaceTest, FindsRunsAddedAndRemovedAndKeepsNotes) {
  RunWorkspace workspace(ws());
  EXPECT_TRUE(workspace.scan().empty());  // no folder yet: no runs
  train(args_for("one"));
  EXPECT_THAT(workspace.scan(), ElementsAre(ws("one")));
  EXPECT_TRUE(workspace.scan().empty());

  RunNotes notes{"first try", {"baseline", "mlp"}, "lr from the paper", false};
  workspace.set_notes(ws("one"), notes);
  EXPECT_EQ(workspace.find(ws("one"))->name, "first try");
  EXPECT_EQ(read_run_notes(ws("one")), notes);
  RunWorkspace reopened(ws());
  reopened.scan();
  EXPECT_EQ(reopened.find(ws("one"))->notes, notes);

  std::ofstream(ws("one") + "/run.json") << "[1]";
  EXPECT_TRUE(reopened.refresh(ws("one")));
  EXPECT_NE(reopened.find(ws("one"))->notes_error.find("run.json"), std::string::npos);
  EXPECT_FALSE(reopened.refresh(ws("one")));  // the same error is not news
}

TEST_F(RunWorkspaceTest, RemoveDeletesOnlyTheRunsFiles) {
  // Checkpoints outside the run directory, under a prefix of its own.
  FitArgs a = args_for("outside");
  a.set("model-prefix", dir_.file("models/net"));
  train(a);
  FitArgs b = args_for("kept");
  b.set("model-prefix", dir_.file("models/other"));
  train(b);
  RunWorkspace workspace(ws());
  workspace.scan();
  const auto files = workspace.files_of(ws("outside"));
  EXPECT_THAT(files, Contains(params_path(dir_.file("models/net"), 2)));
  EXPECT_THAT(files, Contains(symbol_path(dir_.file("models/net"))));
  EXPECT_THAT(files, Contains(ws("outside") + "/metrics.jsonl"));
  for (const auto& f : files) EXPECT_EQ(f.find("models/other"), std::string::npos) << f;

  workspace.remove(ws("outside"));
  EXPECT_FALSE(std::filesystem::exists(ws("outside")));
  EXPECT_FALSE(std::filesystem::exists(symbol_path(dir_.file("models/net"))));
  EXPECT_TRUE(std::filesystem::exists(symbol_path(dir_.file("models/other"))));
  EXPECT_EQ(workspace.runs().size(), 1u);
}

}  // namespace
}  // namespace fitbench
