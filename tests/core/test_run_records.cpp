// Run records (metrics.jsonl): every record type round-trips, non-finite
// numbers survive as NaN, a reader tailing a growing file sees whole lines
// only, and a damaged line is reported with its number while its neighbours
// still read.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>

#include "file_test_util.h"
#include "fitbench/run_records.h"

namespace fitbench {
namespace {

using test::TempDir;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void append(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::app | std::ios::binary);
  out << text;
}

TEST(RunRecords, EveryTypeRoundTrips) {
  TempDir dir;
  const std::string path = run_records_path(dir.path().string());
  const BatchRecord batch{2, 99, 1975, 0.05, 0.6125, 812.5, {{"accuracy", 0.8125}}};
  const EpochRecord epoch{2, 2814, 31.25, 0.005, {{"accuracy", 0.8125}, {"cross-entropy", 0.5}}, {{"accuracy", 0.84375}}};
  const NonFiniteRecord nonfinite{3, 17, "loss", "fc1", "output", "fc1_output", "skip-batch"};
  {
    RunRecordWriter writer(path);
    writer.write(batch);
    writer.write(epoch);
    writer.write(nonfinite);
  }
  const auto result = read_run_records(path);
  ASSERT_TRUE(result.errors.empty()) << result.errors[0];
  ASSERT_EQ(result.records.size(), 3u);

  const auto& b = std::get<BatchRecord>(result.records[0]);
  EXPECT_EQ(b.epoch, 2);
  EXPECT_EQ(b.batch, 99);
  EXPECT_EQ(b.num_update, 1975);
  EXPECT_EQ(b.learning_rate, 0.05);
  EXPECT_EQ(b.loss, 0.6125);
  EXPECT_EQ(b.samples_per_sec, 812.5);
  EXPECT_EQ(b.metrics, batch.metrics);

  const auto& e = std::get<EpochRecord>(result.records[1]);
  EXPECT_EQ(e.epoch, 2);
  EXPECT_EQ(e.num_update, 2814);
  EXPECT_EQ(e.time_cost, 31.25);
  EXPECT_EQ(e.learning_rate, 0.005);
  EXPECT_EQ(e.train, epoch.train);  // in the order written, not sorted
  EXPECT_EQ(e.validation, epoch.validation);

  const auto& n = std::get<NonFiniteRecord>(result.records[2]);
  EXPECT_EQ(n.epoch, 3);
  EXPECT_EQ(n.batch, 17);
  EXPECT_EQ(n.quantity, "loss");
  EXPECT_EQ(n.layer, "fc1");
  EXPECT_EQ(n.kind, "output");
  EXPECT_EQ(n.entry, "fc1_output");
  EXPECT_EQ(n.policy, "skip-batch");
}

TEST(RunRecords, StartAndEndRoundTripAndAnUnknownStatusIsReported) {
  TempDir dir;
  const std::string path = run_records_path(dir.path().string());
  {
    RunRecordWriter writer(path);
    writer.write(StartRecord{1796550000.5, 2, 10});
    writer.write(EndRecord{1796550321.25, "diverged", 3, "the loss went NaN in fc1"});
  }
  append(path, R"({"type":"end","time":1,"status":"paused","epochs_done":0,"message":""})" "\n");
  const auto result = read_run_records(path);
  ASSERT_EQ(result.records.size(), 2u);
  const auto& start = std::get<StartRecord>(result.records[0]);
  EXPECT_EQ(start.time, 1796550000.5);
  EXPECT_EQ(start.begin_epoch, 2);
  EXPECT_EQ(start.num_epochs, 10);
  const auto& end = std::get<EndRecord>(result.records[1]);
  EXPECT_EQ(end.time, 1796550321.25);
  EXPECT_EQ(end.status, "diverged");
  EXPECT_EQ(end.epochs_done, 3);
  EXPECT_EQ(end.message, "the loss went NaN in fc1");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_NE(result.errors[0].find("line 3: \"status\" is not finished"), std::string::npos) << result.errors[0];
}

TEST(RunRecords, AWriterMarksItsRunLiveAndKeepsOthersOut) {
  TempDir dir;
  const std::string run_dir = dir.path().string();
  EXPECT_FALSE(run_is_live(run_dir));  // no records yet
  {
    RunRecordWriter writer(run_records_path(run_dir));
    EXPECT_TRUE(run_is_live(run_dir));
    try {
      RunRecordWriter second(run_records_path(run_dir));
      ADD_FAILURE() << "two writers of one run";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("another run is training in its directory"), std::string::npos) << e.what();
    }
  }
  EXPECT_FALSE(run_is_live(run_dir));  // the writer is gone, as after a crash
}

// The file format is a contract with earlier runs' directories: the keys and
// their order stay as they are.
TEST(RunRecords, LinesKeepTheirFormat) {
  EXPECT_EQ(format_run_record(BatchRecord{0, 9, 10, 0.1, 2.25, 512, {}}),
            R"({"type":"batch","epoch":0,"batch":9,"num_update":10,"lr":0.1,"loss":2.25,"samples_per_sec":512.0})");
  EXPECT_EQ(format_run_record(BatchRecord{0, 9, 10, 0.1, 2.25, 512, {{"accuracy", 0.75}}}),
            R"({"type":"batch","epoch":0,"batch":9,"num_update":10,"lr":0.1,"loss":2.25,"samples_per_sec":512.0,)"
            R"("metrics":{"accuracy":0.75}})");
  EXPECT_EQ(format_run_record(EpochRecord{1, 20, 3.5, 0.1, {{"accuracy", 0.5}}, {}}),
            R"({"type":"epoch","epoch":1,"num_update":20,"time_cost":3.5,"lr":0.1,"train":{"accuracy":0.5},)"
            R"("validation":{}})");
}

// fitbench before run_records.h wrote the keys sorted; those run directories
// still read.
TEST(RunRecords, RecordsWithTheKeysSortedStillRead) {
  TempDir dir;
  const std::string path = dir.file("metrics.jsonl");
  append(path, R"({"batch":3,"epoch":0,"loss":1.5,"lr":0.1,"num_update":4,"samples_per_sec":900.0,"type":"batch"})"
               "\n"
               R"({"epoch":0,"lr":0.1,"num_update":4,"time_cost":2.0,"train":{"accuracy":0.5},"type":"epoch",)"
               R"("validation":{"accuracy":null}})"
               "\n");
  const auto result = read_run_records(path);
  ASSERT_TRUE(result.errors.empty()) << result.errors[0];
  ASSERT_EQ(result.records.size(), 2u);
  EXPECT_EQ(std::get<BatchRecord>(result.records[0]).num_update, 4);
  EXPECT_EQ(std::get<BatchRecord>(result.records[0]).samples_per_sec, 900.0);
  const auto& epoch = std::get<EpochRecord>(result.records[1]);
  EXPECT_EQ(epoch.train, (NameValues{{"accuracy", 0.5}}));
  ASSERT_EQ(epoch.validation.size(), 1u);
  EXPECT_TRUE(std::isnan(epoch.validation[0].second));
}

TEST(RunRecords, NonFiniteNumbersAreNullAndReadBackAsNaN) {
  TempDir dir;
  const std::string path = dir.file("metrics.jsonl");
  const double inf = std::numeric_limits<double>::infinity();
  {
    RunRecordWriter writer(path);
    writer.write(BatchRecord{0, 0, 1, 1e6, kNaN, 100, {}});
    writer.write(EpochRecord{0, 1, 1.0, 1e6, {{"accuracy", kNaN}, {"cross-entropy", inf}}, {}});
  }
  std::ifstream in(path);
  std::string first;
  std::getline(in, first);
  EXPECT_NE(first.find(R"("loss":null)"), std::string::npos) << first;

  const auto result = read_run_records(path);
  ASSERT_EQ(result.records.size(), 2u);
  EXPECT_TRUE(std::isnan(std::get<BatchRecord>(result.records[0]).loss));
  const auto& train = std::get<EpochRecord>(result.records[1]).train;
  ASSERT_EQ(train.size(), 2u);
  EXPECT_EQ(train[0].first, "accuracy");
  EXPECT_TRUE(std::isnan(train[0].second));
  EXPECT_TRUE(std::isnan(train[1].second));
}

TEST(RunRecords, ATailingReaderSeesWholeLinesOnly) {
  TempDir dir;
  const std::string path = dir.file("metrics.jsonl");
  RunRecordReader reader(path);
  EXPECT_TRUE(reader.read().records.empty()) << "a file not written yet reads as no records";

  const std::string line = format_run_record(BatchRecord{0, 0, 1, 0.1, 2.0, 10, {}});
  append(path, line + "\n" + line.substr(0, 20));
  auto result = reader.read();
  EXPECT_EQ(result.records.size(), 1u);
  EXPECT_TRUE(result.errors.empty()) << "the half-written line is not an error yet";

  append(path, line.substr(20) + "\n");
  result = reader.read();
  ASSERT_EQ(result.records.size(), 1u);
  EXPECT_TRUE(result.errors.empty());
  EXPECT_TRUE(reader.read().records.empty()) << "nothing new";
}

TEST(RunRecords, ADamagedLineIsNamedAndItsNeighboursRead) {
  TempDir dir;
  const std::string path = dir.file("metrics.jsonl");
  const std::string good = format_run_record(BatchRecord{0, 0, 1, 0.1, 2.0, 10, {}});
  append(path, good + "\n{\"type\":\"batch\",\"epo\n" + good + "\n" +
                   R"({"type":"epoch","epoch":0,"num_update":1,"time_cost":1,"lr":0.1,"train":[]})" + "\n\n" +
                   R"({"type":"checkpoint","epoch":0})" + "\n" + R"({"type":"batch","epoch":-1})" + "\n");
  const auto result = read_run_records(path);
  EXPECT_EQ(result.records.size(), 2u) << "a record of a type this build does not know is skipped";
  ASSERT_EQ(result.errors.size(), 3u);
  EXPECT_EQ(result.errors[0], path + ", line 2: not JSON");
  EXPECT_EQ(result.errors[1], path + ", line 4: \"train\" is not an object of metrics");
  EXPECT_EQ(result.errors[2], path + ", line 7: \"epoch\" is not a count");
}

TEST(RunRecords, AMissingFileIsAnErrorForAWholeRead) {
  TempDir dir;
  const std::string path = dir.file("nothing/metrics.jsonl");
  EXPECT_NE(test::error_message([&] { read_run_records(path); }).find(path), std::string::npos);
  EXPECT_NE(test::error_message([&] { RunRecordWriter writer(path); }).find(path), std::string::npos);
}

}  // namespace
}  // namespace fitbench
