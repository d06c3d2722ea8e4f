// TryImagePanel over a real checkpoint (mlp trained on small idx data): a
// PNG of a test image, dropped on the browser's "Try an image" tab, gets the
// same classes and probabilities as a Predictor given the idx tensor; a JPEG
// of another size and colour is converted to the model's input; a file that
// is no image is reported by name.
#include <QDir>
#include <QFile>
#include <QMimeData>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QUrl>
#include <QtTest>

#include <cmath>
#include <filesystem>

#include "CheckpointBrowser.h"
#include "CheckpointModel.h"
#include "ExperimentIo.h"
#include "TryImagePanel.h"
#include "checkpoint_fixture.h"
#include "fitbench/checkpoint.h"
#include "fitbench/evaluate.h"
#include "fitbench/image_codec.h"

namespace {

constexpr int kTimeoutMs = 20000;

bool writeFile(const QString& path, const std::string& bytes) {
  QFile f(path);
  return f.open(QIODevice::WriteOnly) && f.write(bytes.data(), qint64(bytes.size())) == qint64(bytes.size());
}

// Drags `path` onto `target` and drops it there, as a file manager would.
void dropFile(QWidget* target, const QString& path) {
  QMimeData mime;
  mime.setUrls({QUrl::fromLocalFile(path)});
  const QPointF at(target->width() / 2.0, target->height() / 2.0);
  QDragEnterEvent enter(at.toPoint(), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
  QCoreApplication::sendEvent(target, &enter);
  QVERIFY(enter.isAccepted());
  QDropEvent drop(at, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
  QCoreApplication::sendEvent(target, &drop);
  QVERIFY(drop.isAccepted());
}

}  // namespace

class TestTryImagePanel : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void droppedPngMatchesPredictor();
  void jpegOfAnotherShape();
  void notAnImage();
  void withoutCheckpoint();

 private:
  QTemporaryDir m_tmp;
  QString m_run;
  fitbench::IdxDataset m_test;
};

void TestTryImagePanel::initTestCase() {
  QVERIFY(m_tmp.isValid());
  m_run = checkpointtest::makeRun(m_tmp.path());
  const std::filesystem::path data = std::filesystem::path(m_tmp.path().toStdString()) / "data";
  m_test = fitbench::load_idx((data / "t10k-images-idx3-ubyte").string(), (data / "t10k-labels-idx1-ubyte").string());
}

void TestTryImagePanel::droppedPngMatchesPredictor() {
  CheckpointBrowser browser;
  browser.resize(900, 700);
  browser.show();
  QSignalSpy loaded(browser.model(), &CheckpointModel::loaded);
  browser.setDirectory(m_run);
  QVERIFY(loaded.wait(kTimeoutMs));
  QVERIFY(QTest::qWaitFor([&] { return browser.selectedRow() >= 0 && !browser.isLoadingDetails(); }, kTimeoutMs));
  TryImagePanel* panel = browser.tryImagePanel();
  QVERIFY(panel->hasCheckpoint());
  QVERIFY(panel->findChild<QPushButton*>(QStringLiteral("openImageButton"))->isEnabled());
  const int epoch = browser.model()->entry(browser.selectedRow()).epoch;
  const fitbench::Checkpoint model = fitbench::load_checkpoint(QDir(m_run).filePath(QStringLiteral("lenet")).toStdString(), epoch);
  fitbench::Predictor predictor(model, fitbench::Shape{1, 1, 28, 28});

  for (const int sample : {0, 5}) {
    // The sample's pixels back as bytes (the idx reader divided them by 255), as a PNG.
    fitbench::Image image(28, 28, 1);
    for (size_t i = 0; i < 784; ++i)
      image.pixels[i] = static_cast<uint8_t>(std::lround(m_test.images.f32()[sample * 784 + int64_t(i)] * 255.f));
    const QString png = m_tmp.filePath(QStringLiteral("sample%1.png").arg(sample));
    QVERIFY(writeFile(png, fitbench::encode_png(image, 6)));

    QSignalSpy finished(panel, &TryImagePanel::predictionFinished);
    dropFile(panel, png);
    QVERIFY(finished.wait(kTimeoutMs));
    const ImagePrediction& got = panel->prediction();
    QVERIFY2(got.error.isEmpty(), qPrintable(got.error));
    QCOMPARE(got.image.size(), QSize(28, 28));

    fitbench::Tensor input(fitbench::Shape{1, 1, 28, 28});
    std::copy_n(m_test.images.f32() + sample * 784, 784, input.f32());
    const auto expected = fitbench::top_classes(predictor.probabilities(input), 0, TryImagePanel::kTopK);
    QCOMPARE(got.top.size(), qsizetype(TryImagePanel::kTopK));
    for (int k = 0; k < TryImagePanel::kTopK; ++k) {
      QCOMPARE(got.top.at(k).first, expected[size_t(k)].first);
      QCOMPARE(got.top.at(k).second, expected[size_t(k)].second);  // the same input, bit for bit
    }
    QCOMPARE(got.labels.first(), QString::number(expected.front().first));  // no synset: numbers
    QVERIFY2(panel->statusText().contains(QStringLiteral("sample%1.png").arg(sample)), qPrintable(panel->statusText()));
  }
}

void TestTryImagePanel::jpegOfAnotherShape() {
  QString error;
  const auto args = ExperimentIo::loadJson(m_run + QStringLiteral("/config.json"), &error);
  QVERIFY2(args.has_value(), qPrintable(error));
  fitbench::Image photo(30, 45, 3);  // RGB, wider than tall
  for (int y = 0; y < photo.height; ++y)
    for (int x = 0; x < photo.width; ++x) {
      uint8_t* px = photo.at(y, x);
      px[0] = uint8_t(x * 5);
      px[1] = uint8_t(y * 8);
      px[2] = 40;
    }
  const QString jpeg = m_tmp.filePath(QStringLiteral("photo.jpg"));
  QVERIFY(writeFile(jpeg, fitbench::encode_jpeg(photo, 90)));
  TryImagePanel panel;
  panel.setCheckpoint(QDir(m_run).filePath(QStringLiteral("lenet")), 2, args, m_run);
  QSignalSpy finished(&panel, &TryImagePanel::predictionFinished);
  panel.predictFile(jpeg);
  QVERIFY(panel.isBusy());
  QVERIFY(finished.wait(kTimeoutMs));
  const ImagePrediction& got = panel.prediction();
  QVERIFY2(got.error.isEmpty(), qPrintable(got.error));
  QCOMPARE(got.image.size(), QSize(45, 30));
  QCOMPARE(got.top.size(), qsizetype(TryImagePanel::kTopK));
  float sum = 0.f;
  for (int k = 0; k < got.top.size(); ++k) {
    sum += got.top.at(k).second;
    if (k > 0) QVERIFY(got.top.at(k).second <= got.top.at(k - 1).second);
  }
  QVERIFY(sum > 0.f && sum <= 1.0001f);
}

void TestTryImagePanel::notAnImage() {
  const QString bogus = m_tmp.filePath(QStringLiteral("notes.png"));
  QVERIFY(writeFile(bogus, "these are notes, not pixels"));
  TryImagePanel panel;
  panel.setCheckpoint(QDir(m_run).filePath(QStringLiteral("lenet")), 2, std::nullopt, m_run);
  QSignalSpy finished(&panel, &TryImagePanel::predictionFinished);
  panel.predictFile(bogus);
  QVERIFY(finished.wait(kTimeoutMs));
  QVERIFY(panel.prediction().top.isEmpty());
  QVERIFY2(panel.statusText().contains(QStringLiteral("notes.png")), qPrintable(panel.statusText()));
}

void TestTryImagePanel::withoutCheckpoint() {
  TryImagePanel panel;
  QVERIFY(!panel.hasCheckpoint());
  QVERIFY(!panel.findChild<QPushButton*>(QStringLiteral("openImageButton"))->isEnabled());
  QMimeData mime;
  mime.setUrls({QUrl::fromLocalFile(m_tmp.filePath(QStringLiteral("sample0.png")))});
  QDragEnterEvent enter(QPoint(5, 5), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
  enter.ignore();
  QCoreApplication::sendEvent(&panel, &enter);
  QVERIFY(!enter.isAccepted());
}

QTEST_MAIN(TestTryImagePanel)
#include "tst_tryimagepanel.moc"
