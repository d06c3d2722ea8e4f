// EvaluationView, ConfusionMatrixModel and MisclassifiedGrid: a real
// evaluation through the checkpoint browser's Evaluate button (mlp after one
// epoch on a Fashion-MNIST subset, scored on the 10,000 test images), the
// matrix's sums against the metrics, a click on a cell showing that cell's
// samples (checked against the idx file), cancel, a run without validation
// data, and the model and thumbnail conversion on their own.
#include <QAbstractItemModelTester>
#include <QColor>
#include <QDir>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QSplitter>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "CheckpointBrowser.h"
#include "CheckpointModel.h"
#include "ConfusionMatrixModel.h"
#include "EvaluationView.h"
#include "ExperimentIo.h"
#include "MisclassifiedGrid.h"
#include "checkpoint_fixture.h"
#include "fitbench/data_iter.h"

namespace {

constexpr int kTimeoutMs = 60000;

bool openAndWait(CheckpointBrowser& browser, const QString& directory) {
  QSignalSpy loaded(browser.model(), &CheckpointModel::loaded);
  browser.setDirectory(directory);
  if (loaded.isEmpty() && !loaded.wait(kTimeoutMs)) return false;
  return QTest::qWaitFor([&] { return browser.selectedRow() >= 0 && !browser.isLoadingDetails(); }, kTimeoutMs);
}

}  // namespace

class TestEvaluationView : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void evaluatesThroughTheBrowser();
  void cancelLeavesNoResult();
  void runWithoutValidationData();
  void matrixModel();
  void aNarrowViewStacksTheSummaryAboveTheMatrix();
  void thumbnailStretchesValues_data();
  void thumbnailStretchesValues();

 private:
  QTemporaryDir m_tmp;
  QString m_run;
};

void TestEvaluationView::initTestCase() {
  QVERIFY(m_tmp.isValid());
  m_run = checkpointtest::makeFashionRun(m_tmp.path());
}

void TestEvaluationView::evaluatesThroughTheBrowser() {
  if (m_run.isEmpty()) QSKIP("Fashion-MNIST is not installed (Debian package dataset-fashion-mnist)");
  CheckpointBrowser browser;
  browser.resize(1000, 800);
  browser.show();
  EvaluationView* view = browser.evaluationView();
  QAbstractItemModelTester tester(view->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
  QVERIFY(openAndWait(browser, m_run));
  auto* evaluate = browser.findChild<QPushButton*>(QStringLiteral("evaluateButton"));
  QVERIFY(evaluate != nullptr && evaluate->isEnabled());
  QSignalSpy finished(view, &EvaluationView::finished);
  QTest::mouseClick(evaluate, Qt::LeftButton);
  QVERIFY(view->isRunning());
  QVERIFY(finished.wait(kTimeoutMs));
  QVERIFY2(view->result() != nullptr, qPrintable(view->statusText()));
  const fitbench::EvaluateResult& r = *view->result();

  // The matrix holds every sample once; accuracy is its diagonal share.
  ConfusionMatrixModel* model = view->model();
  QCOMPARE(model->rowCount(), 10);
  QCOMPARE(model->columnCount(), 10);
  qint64 total = 0, diagonal = 0;
  for (int t = 0; t < 10; ++t)
    for (int p = 0; p < 10; ++p) {
      const qint64 n = model->data(model->index(t, p)).toLongLong();
      total += n;
      if (t == p) diagonal += n;
    }
  QCOMPARE(total, qint64{10000});
  QCOMPARE(r.num_samples, int64_t{10000});
  QCOMPARE(r.metrics.front().first, std::string("accuracy"));
  QVERIFY(std::abs(r.metrics.front().second - double(diagonal) / double(total)) < 1e-9);
  QVERIFY2(diagonal > 5000 && diagonal < total, "one epoch should be well above chance and below perfect");
  for (int c = 0; c < 10; ++c)
    QVERIFY(std::abs(r.per_class_accuracy[size_t(c)] - double(model->count(c, c)) / double(model->rowTotal(c))) < 1e-12);
  const QString summary = view->summaryText();
  QVERIFY2(summary.contains(QStringLiteral("accuracy = %1").arg(r.metrics.front().second, 0, 'f', 6)),
           qPrintable(summary));
  QVERIFY(summary.contains(QStringLiteral("cross-entropy")));
  QVERIFY(summary.contains(QStringLiteral("Per-class accuracy")));
  QVERIFY(view->statusText().contains(QStringLiteral("mlp-0001.params")));
  QCOMPARE(browser.tabs()->currentWidget(), view);

  // The largest confusion, clicked.
  int bestT = 0, bestP = 1;
  for (int t = 0; t < 10; ++t)
    for (int p = 0; p < 10; ++p)
      if (t != p && model->count(t, p) > model->count(bestT, bestP)) {
        bestT = t;
        bestP = p;
      }
  const auto& indices = r.misclassified[size_t(bestT)][size_t(bestP)];
  QCOMPARE(qint64(indices.size()), model->count(bestT, bestP));
  QTableView* matrix = view->matrixView();
  const QModelIndex cell = model->index(bestT, bestP);
  matrix->scrollTo(cell);
  QTest::mouseClick(matrix->viewport(), Qt::LeftButton, {}, matrix->visualRect(cell).center());
  MisclassifiedGrid* grid = view->grid();
  const qsizetype expected = std::min<qsizetype>(qsizetype(indices.size()), EvaluationView::kImagesPerCell);
  QCOMPARE(grid->shownIndices().size(), expected);
  QCOMPARE(grid->listWidget()->count(), int(expected));
  for (qsizetype k = 0; k < expected; ++k) QCOMPARE(grid->shownIndices().at(k), qint64(indices[size_t(k)]));
  QVERIFY2(grid->titleText().contains(QString::number(indices.size())), qPrintable(grid->titleText()));
  QCOMPARE(grid->listWidget()->item(0)->text(), QStringLiteral("#%1").arg(indices.front()));

  // The thumbnails are those samples: their rows of the test set, of the true class.
  const std::string dir = fitbench::default_fashion_mnist_dir();
  const auto test = fitbench::load_idx(dir + "/t10k-images-idx3-ubyte.gz", dir + "/t10k-labels-idx1-ubyte.gz");
  const auto& images = r.misclassified_images[size_t(bestT)][size_t(bestP)];
  QCOMPARE(qsizetype(images.size()), expected);
  for (size_t k = 0; k < images.size(); ++k) {
    const int64_t i = indices[k];
    QCOMPARE(int(test.labels.f32()[i]), bestT);
    QVERIFY(std::equal(images[k].f32(), images[k].f32() + 784, test.images.f32() + i * 784));
  }

  // A diagonal cell has no samples to show.
  const QModelIndex correct = model->index(bestT, bestT);
  QTest::mouseClick(matrix->viewport(), Qt::LeftButton, {}, matrix->visualRect(correct).center());
  QCOMPARE(grid->listWidget()->count(), 0);
  QVERIFY(grid->titleText().contains(QStringLiteral("correct")));
}

// In the default dock width (about 370 px) side by side left the summary
// "accuracy = 0." and the matrix one column and a half.
void TestEvaluationView::aNarrowViewStacksTheSummaryAboveTheMatrix() {
  EvaluationView view;
  auto* results = view.findChild<QSplitter*>(QStringLiteral("evaluationResults"));
  QVERIFY(results != nullptr);
  view.resize(370, 400);
  view.show();
  QVERIFY(QTest::qWaitForWindowExposed(&view));
  QCOMPARE(results->orientation(), Qt::Vertical);
  view.resize(900, 400);
  QTRY_COMPARE(results->orientation(), Qt::Horizontal);
}

void TestEvaluationView::cancelLeavesNoResult() {
  if (m_run.isEmpty()) QSKIP("Fashion-MNIST is not installed (Debian package dataset-fashion-mnist)");
  QString error;
  const auto args = ExperimentIo::loadJson(m_run + QStringLiteral("/config.json"), &error);
  QVERIFY2(args.has_value(), qPrintable(error));
  EvaluationView view;
  QSignalSpy finished(&view, &EvaluationView::finished);
  view.evaluate(QDir(m_run).filePath(QStringLiteral("mlp")), 1, *args, m_run);
  auto* cancel = view.findChild<QPushButton*>(QStringLiteral("cancelEvaluationButton"));
  QVERIFY(cancel != nullptr && cancel->isEnabled());
  QTest::mouseClick(cancel, Qt::LeftButton);
  QCOMPARE(finished.count(), 1);
  QVERIFY(!view.isRunning());
  QVERIFY(view.result() == nullptr);
  QCOMPARE(view.model()->rowCount(), 0);
  QVERIFY(view.statusText().contains(QStringLiteral("cancelled")));
  // The cancelled worker's result never arrives.
  QTest::qWait(200);
  QCOMPARE(finished.count(), 1);
  QVERIFY(view.result() == nullptr);

  // The stop flag ends the pass itself: nothing is scored after it is set.
  const std::atomic<bool> stop{true};
  const EvaluationOutcome outcome =
      EvaluationView::run(QDir(m_run).filePath(QStringLiteral("mlp")), 1, *args, m_run, &stop, [](qint64, qint64) {});
  QVERIFY(outcome.result == nullptr);
  QVERIFY(outcome.error.contains(QStringLiteral("cancelled")));
}

void TestEvaluationView::runWithoutValidationData() {
  QTemporaryDir tmp;
  const QString run = checkpointtest::makeRun(tmp.path());
  QString error;
  auto args = ExperimentIo::loadJson(run + QStringLiteral("/config.json"), &error);
  QVERIFY2(args.has_value(), qPrintable(error));
  args->unset("data-val");
  QVERIFY(ExperimentIo::saveJson(run + QStringLiteral("/config.json"), *args).isEmpty());
  CheckpointBrowser browser;
  QVERIFY(openAndWait(browser, run));
  QSignalSpy finished(browser.evaluationView(), &EvaluationView::finished);
  browser.evaluateSelected();
  QVERIFY(finished.wait(kTimeoutMs));
  QVERIFY(browser.evaluationView()->result() == nullptr);
  QVERIFY2(browser.evaluationView()->statusText().contains(QStringLiteral("no validation data")),
           qPrintable(browser.evaluationView()->statusText()));

  // A missing parameters file is named.
  args->set("data-val", args->get_string("data-train"));
  const EvaluationOutcome outcome = EvaluationView::run(QDir(run).filePath(QStringLiteral("lenet")), 7, *args, run,
                                                        nullptr, [](qint64, qint64) {});
  QVERIFY(outcome.result == nullptr);
  QVERIFY2(outcome.error.contains(QStringLiteral("lenet-0007.params")), qPrintable(outcome.error));
}

void TestEvaluationView::matrixModel() {
  ConfusionMatrixModel model;
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
  QCOMPARE(model.rowCount(), 0);
  model.setMatrix({{8, 2, 0}, {0, 5, 5}, {0, 0, 0}}, {QStringLiteral("0 cat"), QStringLiteral("1 dog")});
  QCOMPARE(model.rowCount(), 3);
  QCOMPARE(model.columnCount(), 3);
  QCOMPARE(model.data(model.index(0, 1)).toLongLong(), 2);
  QCOMPARE(model.rowTotal(1), 10);
  QCOMPARE(model.headerData(0, Qt::Vertical).toString(), QStringLiteral("0 cat"));
  QCOMPARE(model.headerData(1, Qt::Horizontal).toString(), QStringLiteral("1 dog"));
  QCOMPARE(model.headerData(2, Qt::Horizontal).toString(), QStringLiteral("2"));  // no name: the number
  QVERIFY(!model.data(model.index(0, 2), Qt::BackgroundRole).isValid());  // empty cells stay plain
  // Shading follows the share of the row: 8 of 10 is darker than 2 of 10, 5 of 10 between.
  const auto lightness = [&](int r, int c) {
    return model.data(model.index(r, c), Qt::BackgroundRole).value<QColor>().lightness();
  };
  QVERIFY(lightness(0, 0) < lightness(1, 1));
  QVERIFY(lightness(1, 2) < lightness(0, 1));
  QVERIFY(model.data(model.index(0, 0), Qt::BackgroundRole).value<QColor>().green() >
          model.data(model.index(0, 0), Qt::BackgroundRole).value<QColor>().red());
  QVERIFY(model.data(model.index(0, 1), Qt::BackgroundRole).value<QColor>().red() >
          model.data(model.index(0, 1), Qt::BackgroundRole).value<QColor>().green());
  const QString tip = model.data(model.index(1, 2), Qt::ToolTipRole).toString();
  QVERIFY2(tip.contains(QStringLiteral("1 dog")) && tip.contains(QStringLiteral("50.0%")), qPrintable(tip));
  model.clear();
  QCOMPARE(model.rowCount(), 0);
}

void TestEvaluationView::thumbnailStretchesValues_data() {
  QTest::addColumn<int>("channels");
  QTest::newRow("gray") << 1;
  QTest::newRow("rgb") << 3;
}

void TestEvaluationView::thumbnailStretchesValues() {
  QFETCH(int, channels);
  fitbench::Tensor input(fitbench::Shape{channels, 2, 2});
  // Normalised values (as --rgb-mean / --rgb-std leave them): -1 .. 3.
  for (int64_t i = 0; i < input.shape().size(); ++i) input.f32()[i] = -1.f + 4.f * float(i) / float(input.shape().size() - 1);
  const QImage image = MisclassifiedGrid::toImage(input);
  QCOMPARE(image.size(), QSize(2, 2));
  if (channels == 1) {
    QCOMPARE(qGray(image.pixel(0, 0)), 0);
    QCOMPARE(qGray(image.pixel(1, 1)), 255);
    QCOMPARE(qGray(image.pixel(1, 0)), 85);
  } else {
    QCOMPARE(qRed(image.pixel(0, 0)), 0);      // the smallest value, in the red plane
    QCOMPARE(qBlue(image.pixel(1, 1)), 255);   // the largest, in the blue plane
    QCOMPARE(qGreen(image.pixel(0, 0)), qRound(255.0 * 4 / 11));
  }
}

QTEST_MAIN(TestEvaluationView)
#include "tst_evaluationview.moc"
