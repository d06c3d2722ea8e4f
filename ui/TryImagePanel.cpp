// TryImagePanel: decoding, converting and predicting one dropped image.
#include "TryImagePanel.h"

#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMimeData>
#include <QPushButton>
#include <QTableWidget>
#include <QUrl>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <exception>

#include "ElidedLabel.h"
#include "RunClassNames.h"
#include "fitbench/checkpoint.h"
#include "fitbench/evaluate.h"
#include "fitbench/fit_config.h"
#include "fitbench/fit_data.h"
#include "fitbench/image_codec.h"
#include "fitbench/image_input.h"

namespace {

bool isImageFile(const QString& path) {
  const QString suffix = QFileInfo(path).suffix().toLower();
  return suffix == QLatin1String("png") || suffix == QLatin1String("jpg") || suffix == QLatin1String("jpeg");
}

// The first local PNG / JPEG file a drag carries, "" when none.
QString droppedImage(const QMimeData* mime) {
  if (mime == nullptr || !mime->hasUrls()) return {};
  for (const QUrl& url : mime->urls())
    if (url.isLocalFile() && isImageFile(url.toLocalFile())) return url.toLocalFile();
  return {};
}

QImage toQImage(const fitbench::Image& image) {
  const QImage::Format format = image.channels == 1 ? QImage::Format_Grayscale8 : QImage::Format_RGB888;
  // The QImage views the pixels; copy() gives it its own buffer before they go.
  return QImage(image.pixels.data(), image.width, image.height, image.width * image.channels, format).copy();
}

}  // namespace

TryImagePanel::TryImagePanel(QWidget* parent) : QWidget(parent) {
  setAcceptDrops(true);
  m_status = new ElidedLabel(this);
  m_status->setObjectName(QStringLiteral("tryImageStatus"));
  m_openButton = new QPushButton(tr("Open image…"), this);
  m_openButton->setObjectName(QStringLiteral("openImageButton"));
  m_image = new QLabel(tr("Drop a PNG or JPEG here"), this);
  m_image->setObjectName(QStringLiteral("tryImagePicture"));
  m_image->setAlignment(Qt::AlignCenter);
  m_image->setMinimumSize(128, 128);
  m_image->setFrameShape(QFrame::StyledPanel);
  m_table = new QTableWidget(0, 2, this);
  m_table->setObjectName(QStringLiteral("tryImageTopClasses"));
  m_table->setHorizontalHeaderLabels({tr("Class"), tr("Probability")});
  m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_table->verticalHeader()->hide();
  m_table->horizontalHeader()->setStretchLastSection(true);
  m_table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);

  auto* top = new QHBoxLayout;
  top->addWidget(m_openButton);
  top->addWidget(m_status, 1);
  auto* body = new QHBoxLayout;
  body->addWidget(m_image, 1);
  body->addWidget(m_table, 1);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addLayout(body, 1);

  connect(m_openButton, &QPushButton::clicked, this, &TryImagePanel::openImage);
  clearCheckpoint();
}

TryImagePanel::~TryImagePanel() {
  if (m_watcher != nullptr) m_watcher->waitForFinished();
}

void TryImagePanel::setCheckpoint(const QString& prefix, int epoch, const std::optional<fitbench::FitArgs>& args,
                                  const QString& runDir) {
  m_prefix = prefix;
  m_epoch = epoch;
  m_args = args.value_or(fitbench::FitArgs());
  m_runDir = runDir;
  m_openButton->setEnabled(true);
  QString text = tr("Epoch %1 of %2: drop a PNG or JPEG here, or open one.").arg(epoch).arg(QFileInfo(prefix).fileName());
  if (!args) text += tr(" (No config.json: the image is read as Fashion-MNIST data, gray 28x28.)");
  m_status->setText(text);
}

void TryImagePanel::clearCheckpoint() {
  m_prefix.clear();
  m_openButton->setEnabled(false);
  m_status->setText(tr("Select an epoch in the table to try an image on it."));
}

void TryImagePanel::openImage() {
  const QString path = QFileDialog::getOpenFileName(this, tr("Open an image"), QString(),
                                                    tr("Images (*.png *.jpg *.jpeg)"));
  if (!path.isEmpty()) predictFile(path);
}

void TryImagePanel::dragEnterEvent(QDragEnterEvent* event) {
  if (hasCheckpoint() && !droppedImage(event->mimeData()).isEmpty()) event->acceptProposedAction();
}

void TryImagePanel::dropEvent(QDropEvent* event) {
  const QString path = droppedImage(event->mimeData());
  if (!hasCheckpoint() || path.isEmpty()) return;
  event->acceptProposedAction();
  predictFile(path);
}

void TryImagePanel::predictFile(const QString& path) {
  if (!hasCheckpoint()) return;
  m_status->setText(tr("Predicting %1…").arg(QFileInfo(path).fileName()));
  auto* watcher = new QFutureWatcher<ImagePrediction>(this);
  m_watcher = watcher;
  connect(watcher, &QFutureWatcher<ImagePrediction>::finished, this, [this, watcher, path] {
    watcher->deleteLater();
    if (watcher != m_watcher) return;  // a newer image replaced it
    m_watcher = nullptr;
    applyPrediction(path, watcher->result());
  });
  watcher->setFuture(QtConcurrent::run(&TryImagePanel::predict, path, m_prefix, m_epoch, m_args, m_runDir));
}

ImagePrediction TryImagePanel::predict(const QString& path, const QString& prefix, int epoch,
                                       const fitbench::FitArgs& args, const QString& runDir) {
  ImagePrediction out;
  try {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
      fitbench::fail(path.toStdString(), ": cannot open the file (", file.errorString().toStdString(), ")");
    const QByteArray bytes = file.readAll();
    const fitbench::Image image = fitbench::decode_image(bytes.constData(), static_cast<size_t>(bytes.size()), 0,
                                                         path.toStdString());
    out.image = toQImage(image);
    const fitbench::FitConfig config = fitbench::FitConfig::resolve(args);
    const fitbench::Tensor input = fitbench::image_to_input(image, fitbench::input_format(config));
    std::vector<int64_t> dims{1};
    dims.insert(dims.end(), input.shape().dims().begin(), input.shape().dims().end());
    const fitbench::Shape batch(dims);
    const std::string params = fitbench::params_path(prefix.toStdString(), epoch);
    fitbench::Predictor predictor(fitbench::load_checkpoint(prefix.toStdString(), epoch), batch, params);
    const fitbench::Tensor& probs = predictor.probabilities(input.reshape(batch));
    const RunClassNames classes = RunClassNames::find(runDir, config);
    for (const auto& [c, p] : fitbench::top_classes(probs, 0, kTopK)) {
      out.top.append({c, p});
      out.labels << classes.label(c);
    }
  } catch (const std::exception& e) {
    out.error = QString::fromUtf8(e.what());
  }
  return out;
}

void TryImagePanel::applyPrediction(const QString& path, const ImagePrediction& prediction) {
  m_prediction = prediction;
  showImage();
  m_table->setRowCount(static_cast<int>(prediction.top.size()));
  for (int row = 0; row < prediction.top.size(); ++row) {
    m_table->setItem(row, 0, new QTableWidgetItem(prediction.labels.at(row)));
    auto* probability = new QTableWidgetItem(QStringLiteral("%1 %").arg(prediction.top.at(row).second * 100.0, 0, 'f', 2));
    probability->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    m_table->setItem(row, 1, probability);
  }
  if (!prediction.error.isEmpty())
    m_status->setText(tr("Cannot predict %1: %2").arg(QDir::toNativeSeparators(path), prediction.error));
  else
    m_status->setText(tr("%1 (epoch %2 of %3): %4")
                          .arg(QFileInfo(path).fileName())
                          .arg(m_epoch)
                          .arg(QFileInfo(m_prefix).fileName(), prediction.labels.value(0)));
  emit predictionFinished();
}

void TryImagePanel::showImage() {
  if (m_prediction.image.isNull()) {
    m_image->setPixmap(QPixmap());
    m_image->setText(tr("Drop a PNG or JPEG here"));
    return;
  }
  const QSize room = m_image->size() - QSize(4, 4);
  // Small images (28x28) are enlarged without smoothing so their pixels stay sharp.
  const bool small = m_prediction.image.width() < room.width() / 2;
  m_image->setPixmap(QPixmap::fromImage(m_prediction.image.scaled(
      room, Qt::KeepAspectRatio, small ? Qt::FastTransformation : Qt::SmoothTransformation)));
}

void TryImagePanel::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  showImage();
}

QString TryImagePanel::statusText() const { return m_status->text(); }
