// TryImagePanel: "Try an image" on the checkpoint selected in the browser. A
// PNG or JPEG dropped on the panel (or picked with "Open image…") is decoded
// (fitbench::decode_image), turned into the network's input as the run's
// arguments say (fitbench::image_to_input: gray or RGB, resized and centre
// cropped to --image-shape, normalised like the run's data), and run through
// a fitbench::Predictor on a worker thread. The panel shows the image and the
// five most probable classes with their probabilities (names from the run's
// synset.txt when it has one).
#pragma once

#include <QFutureWatcher>
#include <QImage>
#include <QList>
#include <QPair>
#include <QString>
#include <QWidget>

#include <optional>

#include "fitbench/fit_args.h"

class ElidedLabel;
class QLabel;
class QPushButton;
class QTableWidget;

// One prediction, made on a worker thread.
struct ImagePrediction {
  QImage image;                      // the decoded file, as it was read
  QList<QPair<int, float>> top;      // (class, probability), best first
  QStringList labels;                // "3 Dress" for each of `top`
  QString error;                     // why there is no prediction
};

class TryImagePanel : public QWidget {
  Q_OBJECT

 public:
  static constexpr int kTopK = 5;

  explicit TryImagePanel(QWidget* parent = nullptr);
  ~TryImagePanel() override;

  // The checkpoint to predict with; `args` are the run's config.json
  // (without them, the default Fashion-MNIST format: gray 28x28, pixel / 255).
  void setCheckpoint(const QString& prefix, int epoch, const std::optional<fitbench::FitArgs>& args,
                     const QString& runDir);
  void clearCheckpoint();
  bool hasCheckpoint() const { return !m_prefix.isEmpty(); }

  // Predicts the classes of an image file off the UI thread.
  void predictFile(const QString& path);
  bool isBusy() const { return m_watcher != nullptr; }

  const ImagePrediction& prediction() const { return m_prediction; }
  QString statusText() const;

  // Synchronous: what the worker runs.
  static ImagePrediction predict(const QString& path, const QString& prefix, int epoch, const fitbench::FitArgs& args,
                                 const QString& runDir);

 public slots:
  void openImage();  // asks with a QFileDialog

 signals:
  void predictionFinished();

 protected:
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  void applyPrediction(const QString& path, const ImagePrediction& prediction);
  void showImage();
  void resizeEvent(QResizeEvent* event) override;

  ElidedLabel* m_status = nullptr;
  QLabel* m_image = nullptr;
  QPushButton* m_openButton = nullptr;
  QTableWidget* m_table = nullptr;
  QString m_prefix;
  int m_epoch = 0;
  fitbench::FitArgs m_args;
  QString m_runDir;
  ImagePrediction m_prediction;
  QFutureWatcher<ImagePrediction>* m_watcher = nullptr;  // the running prediction
};
