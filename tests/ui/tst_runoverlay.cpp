// RunOverlay and RunMetrics: an earlier run's metrics.jsonl reads back into
// the series the live charts draw (same names, x in iterations, epochs at the
// update they ended on), each series goes to its chart, and a missing or
// corrupt file gives a message naming it.
#include <QTemporaryDir>
#include <QtTest>

#include "RunMetrics.h"
#include "RunOverlay.h"
#include "run_fixture.h"

Q_DECLARE_METATYPE(RunMetrics::Chart)

class TestRunOverlay : public QObject {
  Q_OBJECT

 private slots:
  void seriesGoToTheirCharts_data();
  void seriesGoToTheirCharts();
  void loadsARunDirectory();
  void aRerunReplacesTheRecordsItRepeats();
  void reportsBadFiles();

 private:
  QTemporaryDir m_tmp;
};

void TestRunOverlay::seriesGoToTheirCharts_data() {
  QTest::addColumn<QString>("series");
  QTest::addColumn<RunMetrics::Chart>("chart");
  QTest::newRow("batch loss") << RunMetrics::loss() << RunMetrics::Chart::Loss;
  QTest::newRow("learning rate") << RunMetrics::learningRate() << RunMetrics::Chart::LearningRate;
  QTest::newRow("throughput") << RunMetrics::throughput() << RunMetrics::Chart::Throughput;
  QTest::newRow("train accuracy") << RunMetrics::train(QStringLiteral("accuracy"))
                                  << RunMetrics::Chart::Accuracy;
  QTest::newRow("validation top-k") << RunMetrics::validation(QStringLiteral("top_k_accuracy_5"))
                                    << RunMetrics::Chart::Accuracy;
  QTest::newRow("validation cross-entropy")
      << RunMetrics::validation(QStringLiteral("cross-entropy")) << RunMetrics::Chart::Loss;
  QTest::newRow("train nll-loss") << RunMetrics::train(QStringLiteral("nll-loss")) << RunMetrics::Chart::Loss;
}

void TestRunOverlay::seriesGoToTheirCharts() {
  QFETCH(QString, series);
  QFETCH(RunMetrics::Chart, chart);
  QCOMPARE(RunMetrics::chartOf(series), chart);
}

void TestRunOverlay::loadsARunDirectory() {
  QVERIFY(m_tmp.isValid());
  const QString dir = m_tmp.filePath(QStringLiteral("lenet-20260101-120000"));
  QVERIFY(writeRunDir(dir, 3, 4));
  QString error;
  const std::optional<RunOverlay> run = RunOverlay::load(dir, &error);
  QVERIFY2(run.has_value(), qPrintable(error));
  QCOMPARE(run->label(), QStringLiteral("lenet-20260101-120000"));  // already names the network

  const QMap<QString, QList<QPointF>>& series = run->metrics().series();
  QCOMPARE(series.value(RunMetrics::loss()).size(), 12);
  QCOMPARE(series.value(RunMetrics::loss()).first(), QPointF(1, 2.0));
  QCOMPARE(series.value(RunMetrics::loss()).last(), QPointF(12, 2.0 / 12));
  QCOMPARE(series.value(RunMetrics::learningRate()).size(), 12);
  QCOMPARE(series.value(RunMetrics::throughput()).last(), QPointF(12, 1000.0));
  const QList<QPointF> val = series.value(RunMetrics::validation(QStringLiteral("accuracy")));
  QCOMPARE(val.size(), 3);
  QCOMPARE(val[0], QPointF(4, 0.45));
  QCOMPARE(val[2].x(), 12.0);
  QCOMPARE(series.value(RunMetrics::train(QStringLiteral("top_k_accuracy_5"))).size(), 3);
  QCOMPARE(run->metrics().epochs().size(), 3);
  QCOMPARE(run->metrics().epochs()[1], (QPair<int, double>(1, 8.0)));

  // A directory name without the network gets it from config.json.
  const QString other = m_tmp.filePath(QStringLiteral("baseline"));
  QVERIFY(writeRunDir(other, 1, 2));
  QCOMPARE(RunOverlay::load(other, &error)->label(), QStringLiteral("baseline (lenet)"));
}

void TestRunOverlay::aRerunReplacesTheRecordsItRepeats() {
  QVERIFY(m_tmp.isValid());
  // Three epochs of four batches, then the same directory resumed from epoch 1
  // (updates 5.. again, loss 1) and stopped after that epoch: fit() appends.
  const QString dir = m_tmp.filePath(QStringLiteral("resumed"));
  QVERIFY(writeRunDir(dir, 3, 4));
  {
    fitbench::RunRecordWriter records(fitbench::run_records_path(dir.toStdString()));
    for (int update = 5; update <= 8; ++update)
      records.write(fitbench::BatchRecord{1, update - 5, update, 0.1, 1.0, 1000.0, {}});
    records.write(fitbench::EpochRecord{1, 8, 1.5, 0.1, {{"accuracy", 0.7}}, {{"accuracy", 0.65}}});
  }

  QString error;
  const std::optional<RunOverlay> run = RunOverlay::load(dir, &error);
  QVERIFY2(run.has_value(), qPrintable(error));
  const QList<QPointF> loss = run->metrics().series().value(RunMetrics::loss());
  QCOMPARE(loss.size(), 8);
  QCOMPARE(loss[3], QPointF(4, 0.5));  // the first run's epoch 0 stays
  QCOMPARE(loss[4], QPointF(5, 1.0));  // the resumed run from there on
  QCOMPARE(loss.last(), QPointF(8, 1.0));
  const QList<QPointF> val = run->metrics().series().value(RunMetrics::validation(QStringLiteral("accuracy")));
  QCOMPARE(val, (QList<QPointF>{QPointF(4, 0.45), QPointF(8, 0.65)}));
  QCOMPARE(run->metrics().epochs(), (QList<QPair<int, double>>{{0, 4.0}, {1, 8.0}}));

  // Trained again from scratch: only the new run's records remain.
  RunMetrics metricsOfTwoRuns;
  metricsOfTwoRuns.addBatch(1, 2.0, 0.1, 100);
  metricsOfTwoRuns.addBatch(2, 1.5, 0.1, 100);
  metricsOfTwoRuns.addEpoch(0, 2, {{"accuracy", 0.5}}, {});
  metricsOfTwoRuns.addBatch(1, 3.0, 0.2, 100);
  QCOMPARE(metricsOfTwoRuns.series().value(RunMetrics::loss()), (QList<QPointF>{QPointF(1, 3.0)}));
  QVERIFY(metricsOfTwoRuns.series().value(RunMetrics::train(QStringLiteral("accuracy"))).isEmpty());
  QVERIFY(metricsOfTwoRuns.epochs().isEmpty());
}

void TestRunOverlay::reportsBadFiles() {
  QVERIFY(m_tmp.isValid());
  QString error;
  const QString missing = m_tmp.filePath(QStringLiteral("missing"));
  QVERIFY(!RunOverlay::load(missing, &error).has_value());
  QVERIFY2(error.contains(missing + QStringLiteral("/metrics.jsonl")), qPrintable(error));
  QVERIFY2(error.contains(QStringLiteral("run directory")), qPrintable(error));

  const QString corrupt = m_tmp.filePath(QStringLiteral("corrupt"));
  QVERIFY(writeRunDir(corrupt, 1, 2));
  QFile file(corrupt + QStringLiteral("/metrics.jsonl"));
  QVERIFY(file.open(QIODevice::Append));
  file.write("{\"type\": \"batch\", \n");
  file.close();
  QVERIFY(!RunOverlay::load(corrupt, &error).has_value());
  QVERIFY2(error.contains(QStringLiteral("metrics.jsonl, line 4")), qPrintable(error));

  const QString empty = m_tmp.filePath(QStringLiteral("empty"));
  QVERIFY(QDir().mkpath(empty));
  QFile emptyFile(empty + QStringLiteral("/metrics.jsonl"));
  QVERIFY(emptyFile.open(QIODevice::WriteOnly));
  emptyFile.close();
  QVERIFY(!RunOverlay::load(empty, &error).has_value());
  QVERIFY2(error.contains(QStringLiteral("no batch or epoch records")), qPrintable(error));
}

QTEST_MAIN(TestRunOverlay)
#include "tst_runoverlay.moc"
