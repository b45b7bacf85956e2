/**
 * Korean prose for the explain topics (--lang ko), for learners whose notes are in Korean.
 * Only sentences are translated, by pattern, on the English text: every number, formula,
 * matrix and table (their headers included) stays exactly as in English, so the two outputs
 * can be read side by side. A sentence without a pattern here stays in English.
 */
const phrases: [RegExp, string][] = [
  // shopping, loss
  [/^shopping: (\S+) apples at (\S+), (\S+) oranges at (\S+), tax (\S+)$/m, '쇼핑: 사과 $1개(개당 $2), 귤 $3개(개당 $4), 소비세 $5'],
  [/^forward: each node computes its output from its inputs$/m, '순전파: 각 노드가 입력으로부터 출력을 계산합니다'],
  [/^backward: from (\S+) = 1; each node passes on incoming × local derivative \(the chain rule\)$/m, '역전파: $1 = 1에서 시작해, 각 노드는 (들어온 값) × (국소 미분)을 앞으로 전달합니다 (연쇄 법칙)'],
  [/^a × node's local derivative for one input is the other input; a \+ node's is 1, so it passes the gradient on unchanged$/m, '× 노드의 한 입력에 대한 국소 미분은 다른 쪽 입력이고, + 노드의 국소 미분은 1이라 기울기를 그대로 흘려보냅니다'],
  [/^a × node's local derivative for one input is the other input; a \+ node's is 1; a − node's is 1 and −1$/m, '× 노드의 한 입력에 대한 국소 미분은 다른 쪽 입력, + 노드는 1, − 노드는 1과 −1입니다'],
  [/^gradients of the inputs: how much the loss L moves per unit of each input$/m, '입력의 기울기: 각 입력이 1만큼 변할 때 손실 L이 얼마나 변하는가'],
  [/^gradients of the inputs: how much (\S+) moves per unit of each$/m, '입력의 기울기: 각 입력이 1만큼 변할 때 $1이(가) 얼마나 변하는가'],
  [/^numerical: central difference \(L\(v \+ h\) − L\(v − h\)\) \/ 2h of (.*), h = (\S+); ok when rel error < 1e-6$/m, '수치 미분: 중심 차분 (L(v + h) − L(v − h)) / 2h, 대상: $1, h = $2; 상대 오차 < 1e-6이면 ok'],
  [/^loss: the shopping graph \((\S+) apples at (\S+), (\S+) oranges at (\S+), tax (\S+)\) ending in L = \(price − budget\)², budget (\S+)$/m, '손실: 쇼핑 그래프(사과 $1개, 개당 $2; 귤 $3개, 개당 $4; 소비세 $5)의 끝에 손실 L = (price − budget)²을 붙입니다. 예산 $6'],
  [/^what the gradients mean$/m, '기울기의 의미'],
  [/^ {2}backward starts from dL\/dL = 1: the loss moves one for one with itself\. Every other gradient is then "how much the loss moves per unit of this input":$/m, '  역전파는 dL/dL = 1에서 시작합니다(손실은 자기 자신과 1:1로 움직입니다). 나머지 모든 기울기는 "이 입력이 1 변할 때 손실이 얼마나 변하는가"입니다:'],
  [/^ {2}one more yen on an apple's price moves L by about (\S+); the exact change is (.*), since L curves \(a gradient is the slope at this point\)\.$/m, '  사과 가격이 1엔 오르면 L은 약 $1 변합니다. 정확한 변화는 $2입니다. L이 곡선이기 때문입니다(기울기는 이 점에서의 접선의 기울기).'],
  [/^ {2}the square is diff × diff, one × node with diff as both inputs: each copy receives dL\/dL × diff = (\S+), and the two shares add up to 2·diff = (\S+) = dL\/d diff\.$/m, '  제곱은 diff × diff, 두 입력이 모두 diff인 × 노드입니다. 각 입력이 dL/dL × diff = $1을 받고, 둘을 더하면 2·diff = $2 = dL/d diff가 됩니다.'],
  [/^ {2}the chain: (.*) \((\S+) is what 'nnt explain shopping' shows\)\.$/m, "  연쇄 법칙: $1 ($2는 'nnt explain shopping'이 보여 주는 값)."],
  [/^ {2}a positive gradient says: raise this input and the loss grows; training moves each input against its gradient \(here: pay less\)\.$/m, '  기울기가 양수이면 그 입력을 올릴 때 손실이 커집니다. 학습은 각 입력을 기울기의 반대 방향으로 움직입니다(여기서는: 덜 쓰기).'],
  // affine
  [/^affine on one sample: x of shape \(2,\), W \(2×3\), b \(3,\), as in the notes$/m, 'Affine, 샘플 하나: 노트에서처럼 x의 형상 (2,), W (2×3), b (3,)'],
  [/^ {2}dW\[i\]\[j\] = x\[i\]·dout\[j\], e\.g\. (.*): with one sample there is nothing to sum, and db is dout itself\.$/m, '  dW[i][j] = x[i]·dout[j], 예: $1. 샘플이 하나라 더할 것이 없고, db는 dout 그 자체입니다.'],
  [/^ {2}in numpy x\.T of a \(2,\) array is x itself, so np\.dot\(x\.T, dout\) is no outer product: the book's Affine needs x as a \(1, 2\) row;$/m, '  numpy에서 형상 (2,) 배열의 x.T는 x 그대로라 np.dot(x.T, dout)은 외적이 되지 않습니다. 책의 Affine에는 x가 (1, 2) 행이어야 합니다.'],
  [/^ {2}nnt holds one sample as a batch of one \(shape 1×2\), so the batch formulas below give these numbers\.$/m, '  nnt는 샘플 하나를 크기 1인 배치(형상 1×2)로 다루므로, 아래 배치 공식이 이 숫자들을 줍니다.'],
  [/^ {2}all (\d+) entries of (.*): (ok|\d+ FAIL.*) against the central difference \(max rel error (\S+)\)$/m, '  $2의 원소 $1개 모두 중심 차분과 비교: $3 (최대 상대 오차 $4)'],
  [/^affine: out = X·W \+ b with N = (\d+) samples, D = (\d+) inputs, M = (\d+) outputs \(seed (\d+)\)$/m, 'Affine: out = X·W + b, 샘플 N = $1개, 입력 D = $2개, 출력 M = $3개 (시드 $4)'],
  [/^the loss: L = Σ dY ⊙ out \(so dL\/d\(out\) = dY\); here L = (\S+)$/m, '손실: L = Σ dY ⊙ out (따라서 dL/d(out) = dY); 여기서 L = $1'],
  [/^shapes: each gradient has the shape of what it is the gradient of$/m, '형상: 각 기울기는 그 대상과 같은 형상입니다'],
  [/^(dX|dW|db) = (.*), from Affine\.backward$/m, '$1 = $2, Affine.backward의 결과'],
  // softmax-loss
  [/^softmax-loss: scores → softmax → cross-entropy, and why its gradient is \(y − t\)\/N$/m, 'softmax-loss: 점수 → 소프트맥스 → 교차 엔트로피, 그리고 기울기가 (y − t)/N인 이유'],
  [/^one sample \(N = 1\): the gradient in the scores is y − t$/m, '샘플 하나 (N = 1): 점수에 대한 기울기는 y − t'],
  [/^a batch of N = (\d+) \(seed (\d+)\): the loss is the mean, so each gradient is divided by N$/m, '배치 N = $1 (시드 $2): 손실이 평균이므로 각 기울기를 N으로 나눕니다'],
  [/^alone: the gradient when that sample is a batch of its own; the batch's gradient is it divided by (\d+)$/m, 'alone: 그 샘플만으로 배치를 이룰 때의 기울기. 배치의 기울기는 이것을 $1로 나눈 값'],
  [/^where the backward pass starts$/m, '역전파가 시작되는 곳'],
  [/^ {2}backward begins with dL\/dL = 1, the dout of SoftmaxWithLoss\.backward\(1\);$/m, '  역전파는 dL/dL = 1, 즉 SoftmaxWithLoss.backward(1)의 dout에서 시작합니다.'],
  [/^ {2}it returns dL\/d\(scores\) = \(y − t\)\/N \(N×C\), which is the dout the last Affine layer's backward receives;$/m, "  이 함수는 dL/d(scores) = (y − t)/N (N×C)을 돌려주고, 이것이 마지막 Affine 계층의 backward가 받는 dout입니다."],
  [/^ {2}from there each layer multiplies by its local derivative, back to the first\.$/m, '  거기서부터 각 계층이 자신의 국소 미분을 곱하며 첫 계층까지 거슬러 갑니다.'],
  [/^ {2}softmax and cross-entropy are one node because their local derivatives multiply out to this simple y − t\.$/m, '  소프트맥스와 교차 엔트로피를 한 노드로 묶는 것은 두 국소 미분의 곱이 이렇게 간단한 y − t가 되기 때문입니다.'],
  [/^why \(y − t\)\/N: the derivation, for sample i, class j, scores a$/m, '왜 (y − t)/N인가: 유도 (샘플 i, 클래스 j, 점수 a)'],
  [/the mean cross-entropy \(t_i: sample i's label\)$/m, '교차 엔트로피의 평균 (t_i: 샘플 i의 정답)'],
  [/ {3}softmax$/m, '   소프트맥스'],
  [/\(t_ij = 1 when j is the label, else 0: the one-hot t\)$/m, '(j가 정답이면 t_ij = 1, 아니면 0: 원-핫 t)'],
  [/ {3}only sample i's own term depends on a_ij$/m, '   a_ij에 의존하는 것은 샘플 i 자신의 항뿐'],
  [/^with sample 0 of the batch \(label (\d+), N = (\d+)\):$/m, '배치의 샘플 0으로 (정답 $1, N = $2):'],
  // relu, sigmoid
  [/^relu: y = max\(0, x\); forward caches the mask x > 0, backward lets dout through only where it is 1$/m, 'relu: y = max(0, x). 순전파는 마스크 x > 0을 저장하고, 역전파는 마스크가 1인 곳에서만 dout을 통과시킵니다'],
  [/^at x = 0 ReLU has no derivative: the slope is 0 on the left and 1 on the right, and \(relu\(h\) − relu\(−h\)\) \/ 2h = 0\.5 is neither;$/m, 'x = 0에서 ReLU는 미분할 수 없습니다. 왼쪽 기울기는 0, 오른쪽은 1이고, (relu(h) − relu(−h)) / 2h = 0.5는 어느 쪽도 아닙니다.'],
  [/^so the inputs stay more than h = (\S+) from 0 \(backprop takes the mask's 0 at exactly 0\)\.$/m, '그래서 입력은 0에서 h = $1보다 멀리 둡니다 (정확히 0에서는 역전파가 마스크의 0을 씁니다).'],
  [/^sigmoid: y = 1 \/ \(1 \+ e\^−x\); its derivative is y\(1 − y\), so forward caches y and backward needs no x$/m, 'sigmoid: y = 1 / (1 + e^−x). 미분이 y(1 − y)이므로 순전파는 y를 저장하고 역전파에는 x가 필요 없습니다'],
  [/^sigmoid as the book draws it, at x = (\S+): y = 1 \/ \(1 \+ exp\(−x\)\) as four nodes$/m, '책의 그림처럼 그린 sigmoid, x = $1: y = 1 / (1 + exp(−x))를 네 노드로'],
  [/^forward$/gm, '순전파'],
  [/^backward: from dy\/dy = 1, right to left; each node multiplies by its local derivative$/m, '역전파: dy/dy = 1에서 오른쪽에서 왼쪽으로, 각 노드가 자신의 국소 미분을 곱합니다'],
  [/^the product of the four local derivatives is y\(1 − y\)$/m, '네 국소 미분의 곱은 y(1 − y)입니다'],
  [/ {8}since 1 − y = exp\(−x\)\/\(1 \+ exp\(−x\)\)$/m, '        1 − y = exp(−x)/(1 + exp(−x))이므로'],
  [/^ {2}with the numbers: /m, '  숫자로: '],
  [/^ {2}nnt's Sigmoid layer is the one node that replaces the four: its backward\(1\) gives (\S+), from its cached y alone\.$/m, '  nnt의 Sigmoid 계층은 이 네 노드를 대신하는 한 노드입니다. backward(1)은 저장한 y만으로 $1을 줍니다.'],
  // train-step
  [/^train-step: one step of a two-layer net, 4 inputs → 3 hidden \(ReLU\) → 2 classes, on (\d+) samples \(seed (\d+)\)$/m, 'train-step: 2층 신경망의 학습 한 단계, 입력 4 → 은닉 3 (ReLU) → 클래스 2, 샘플 $1개 (시드 $2)'],
  [/^backward: from dL\/dL = 1, layer by layer$/m, '역전파: dL/dL = 1에서 계층마다'],
  [/^update: SGD, each parameter −= lr·gradient, lr = (\S+)$/m, '갱신: SGD, 각 매개변수 −= lr·기울기, lr = $1'],
  [/^ {2}e\.g\. /m, '  예: '],
  [/^loss on the same 2 samples: (\S+) before, (.*) after the step$/m, '같은 샘플 2개의 손실: 갱신 전 $1, 갱신 후 $2'],
  // conv, pool
  [/^conv: one (\S+) image, one (\S+) filter, stride (\d+), no padding → a (\S+) output$/m, 'conv: 이미지 하나($1), 필터 하나($2), 스트라이드 $3, 패딩 없음 → 출력 $4'],
  [/^forward: im2col puts each (\S+) window in a row \((\d+) windows × (\d+) pixels\); then out = col · w \+ b, w the filter as a column$/m, '순전파: im2col이 $1 윈도를 하나씩 한 행에 놓습니다(윈도 $2개 × 픽셀 $3개). 그다음 out = col · w + b, w는 필터를 열 하나로 세운 것'],
  [/^out \((\S+)\): row r of col is output \(r div (\d+), r mod (\d+)\)$/m, 'out ($1): col의 행 r이 출력 (r div $2, r mod $3)'],
  [/^the loss: L = Σ dout ⊙ out \(so dL\/d\(out\) = dout\); here L = (\S+)$/m, '손실: L = Σ dout ⊙ out (따라서 dL/d(out) = dout); 여기서 L = $1'],
  [/^dW = colᵀ · dout: each filter place k sums its column of col times dout, over the (\d+) windows$/m, 'dW = colᵀ · dout: 필터의 각 자리 k는 윈도 $1개에 걸쳐 col의 k열과 dout의 곱을 더합니다'],
  [/^db = Σ dout: b was added to every output$/m, 'db = Σ dout: b는 모든 출력에 더해졌습니다'],
  [/^dx = col2im\(dout · wᵀ\): each pixel gets dout · w from every window that saw it \(corners 1, the middle 4\)$/m, 'dx = col2im(dout · wᵀ): 각 픽셀은 자신을 본 모든 윈도에서 dout · w를 받습니다(모서리는 1개, 가운데는 4개)'],
  [/^pool: max pooling of a (\S+) image in (\S+) windows, stride (\d+) → (\S+)$/m, 'pool: $1 이미지의 $2 윈도 최대 풀링, 스트라이드 $3 → $4'],
  [/^forward remembers which input was each window's maximum; backward sends dout there, and 0 to the other three$/m, '순전파는 윈도마다 어느 입력이 최댓값이었는지 기억하고, 역전파는 dout을 그 자리로, 나머지 셋에는 0을 보냅니다'],
  [/^ties \(two inputs equal to the maximum\) go to the first in the window, row by row, as np\.argmax does in the book;$/m, '동점(최댓값과 같은 입력이 둘)이면 책의 np.argmax처럼 윈도 안에서 행 순서로 첫 번째 입력이 받습니다.'],
  [/^near a tie the maximum can change hands within ±h, a kink: the gradient check counts such nudges apart, like ReLU's\.$/m, '동점 근처에서는 ±h 안에서 최댓값이 바뀔 수 있습니다(꺾인 점). 기울기 확인은 ReLU처럼 이런 경우를 따로 셉니다.'],
  [/^every input, backprop beside the numerical derivative$/m, '모든 입력: 역전파와 수치 미분을 나란히'],
  // inside the numerical note
  [/the whole graph's output /g, '그래프 전체의 출력 '],
  [/the mean loss, nudging one score/g, '평균 손실, 점수 하나를 조금씩 바꾸며'],
  [/L through the Affine layer, nudging one entry of X, W or b/g, 'Affine 계층을 거친 L, X, W, b의 원소 하나를 조금씩 바꾸며'],
  [/L = Σ y, nudging one x/g, 'L = Σ y, x 하나를 조금씩 바꾸며'],
  [/y, nudging the value that enters each node/g, 'y, 각 노드에 들어가는 값을 조금씩 바꾸며'],
  [/L through the Convolution layer, nudging one entry of x, W or b/g, 'Convolution 계층을 거친 L, x, W, b의 원소 하나를 조금씩 바꾸며'],
  [/L = Σ dout ⊙ out, nudging one input/g, 'L = Σ dout ⊙ out, 입력 하나를 조금씩 바꾸며'],
  [/the loss, nudging one score or parameter/g, '손실, 점수나 매개변수 하나를 조금씩 바꾸며'],
];

export function toKorean(english: string): string {
  return phrases.reduce((text, [pattern, korean]) => text.replace(pattern, korean), english);
}

/** The topic list's one-line summaries, in Korean. */
export const koreanSummaries: Record<string, string> = {
  shopping: '책의 사과와 귤 쇼핑 그래프: 노드마다 순전파 값과 역전파 기울기',
  affine: '2×3 배치에서 out = X·W + b: dX, dW, db를 합으로 풀어 쓰고 형상까지',
  'softmax-loss': '점수 → 소프트맥스 → 교차 엔트로피: 기울기가 (y − t)/N인 이유와 역전파가 시작되는 곳',
  relu: 'ReLU의 국소 미분은 마스크; 0에서 미분이 없는 이유',
  sigmoid: 'Sigmoid의 국소 미분 y(1 − y), 저장해 둔 출력으로',
  loss: '손실 (price − budget)²로 끝나는 쇼핑 그래프: 역전파는 dL/dL = 1에서 시작',
  'sigmoid-graph': '책의 그림처럼 그린 sigmoid: ×(−1), exp, +1, 1/x 노드와 그 곱이 y(1 − y)가 되는 과정',
  'train-step': '4-3-2 신경망, 샘플 2개로 학습 한 단계 전체: 순전파, 역전파의 모든 원소와 갱신',
  conv: '4×4 이미지 위의 2×2 필터: im2col 행렬, out = col·w, dW = colᵀ·dout, col2im으로 구하는 dx를 합으로',
  pool: '2×2 최대 풀링: 각 최댓값이 어느 입력이었는지, 그 기울기가 어디로 가는지',
};
