# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # A first neural network in JAX
#
# Before a network learns physics it has to learn anything at all. This tutorial trains
# the smallest useful classifier: it tells the three species of Iris flowers apart from
# four measurements of a flower (sepal and petal length and width). It uses the pieces
# every later tutorial reuses:
#
# - an **Equinox** module as the network (`physax.nn.MLP`, a plain multilayer perceptron
#   that is also physax's PINN network), which is a pytree of arrays that `jax.grad`
#   differentiates directly;
# - a **loss** written as an ordinary function: softmax cross-entropy plus an L2 penalty
#   on the weights;
# - **Optax** for the optimiser, and a training step compiled with `jax.jit`.
#
# The data is Fisher's Iris set (150 flowers, 50 per species) bundled with
# scikit-learn, so nothing is downloaded.

# %%
import os

import equinox as eqx
import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
import optax
from sklearn.datasets import load_iris
from sklearn.model_selection import train_test_split

from physax.nn import MLP

QUICK = os.environ.get("PHYSAX_DOCS_QUICK") == "1"

iris = load_iris()
X, y = iris.data.astype(np.float32), iris.target.astype(np.int32)
print(X.shape, "features:", iris.feature_names)
print("classes:", list(iris.target_names), "counts:", np.bincount(y))

# %% [markdown]
# ## A held-out split, and standardised inputs
#
# A fifth of the flowers (30, ten per species thanks to `stratify`) is kept aside and
# never used for training: the accuracy on them is the honest figure. Inputs are
# standardised with the *training* set's mean and standard deviation, so the held-out
# flowers do not leak into the preprocessing.

# %%
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
mean, std = X_train.mean(axis=0), X_train.std(axis=0)
X_train, X_test = (X_train - mean) / std, (X_test - mean) / std
X_train, X_test, y_train, y_test = map(jnp.asarray, (X_train, X_test, y_train, y_test))
print("train:", X_train.shape, " test:", X_test.shape)

# %% [markdown]
# ## The network
#
# `MLP(in_size, out_size, width, depth, activation, key=...)` maps one input vector to
# one output vector: here 4 measurements to 3 *logits*, one score per species, through
# two hidden layers of 16 neurons. It works on a single flower; `jax.vmap` makes it work
# on a batch. Its parameters are ordinary JAX arrays inside the module.

# %%
model = MLP(4, 3, width=16, depth=2, activation=jax.nn.relu, key=jax.random.key(0))
n_params = sum(p.size for p in jax.tree.leaves(eqx.filter(model, eqx.is_array)))
print(model.weights[0].shape, model.weights[1].shape, model.weights[2].shape, "->", n_params, "parameters")
print("logits of the first flower before training:", model(X_train[0]))

# %% [markdown]
# ## The loss
#
# The softmax turns logits $z$ into class probabilities $p_k = e^{z_k}/\sum_j e^{z_j}$;
# the cross-entropy of the true class $c$ is $-\log p_c$, averaged over the batch. An L2
# penalty $\lambda \sum W^2$ on the weight matrices (not the biases) keeps them small,
# which discourages a network this flexible from memorising 120 flowers:
#
# $$L(\theta) = \frac{1}{N}\sum_{i=1}^N -\log \operatorname{softmax}(f_\theta(x_i))_{y_i}
#    + \lambda \sum_\ell \lVert W_\ell \rVert_F^2 .$$
#
# `optax.softmax_cross_entropy_with_integer_labels` computes the first term stably
# (it never forms $e^{z}$ of a large logit).

# %%
L2 = 1e-3


def loss_fn(model, x, y):
    logits = jax.vmap(model)(x)
    ce = optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()
    penalty = sum(jnp.sum(w**2) for w in model.weights)
    return ce + L2 * penalty


def accuracy(model, x, y):
    return jnp.mean(jnp.argmax(jax.vmap(model)(x), axis=-1) == y)


print("initial loss:", loss_fn(model, X_train, y_train), " (log 3 =", np.log(3), ")")

# %% [markdown]
# ## Training
#
# Adam with a learning rate of 0.01, full batches (120 flowers fit easily). The update
# step is one compiled function: it computes the loss and its gradient with respect to
# the model (`eqx.filter_value_and_grad` differentiates the array leaves and leaves the
# rest, such as the activation function, alone), asks Optax for the update, and applies
# it.

# %%
optimiser = optax.adam(1e-2)
opt_state = optimiser.init(eqx.filter(model, eqx.is_array))


@eqx.filter_jit
def step(model, opt_state, x, y):
    loss, grads = eqx.filter_value_and_grad(loss_fn)(model, x, y)
    updates, opt_state = optimiser.update(grads, opt_state, eqx.filter(model, eqx.is_array))
    return eqx.apply_updates(model, updates), opt_state, loss


n_steps = 300 if QUICK else 500
curves = {"train loss": [], "test loss": [], "train acc": [], "test acc": []}
for i in range(n_steps):
    model, opt_state, loss = step(model, opt_state, X_train, y_train)
    curves["train loss"].append(float(loss))
    curves["test loss"].append(float(loss_fn(model, X_test, y_test)))
    curves["train acc"].append(float(accuracy(model, X_train, y_train)))
    curves["test acc"].append(float(accuracy(model, X_test, y_test)))
    if i % (n_steps // 5) == 0 or i == n_steps - 1:
        print(
            f"step {i:4d}  loss {curves['train loss'][-1]:.4f}  "
            f"train acc {curves['train acc'][-1]:.3f}  test acc {curves['test acc'][-1]:.3f}"
        )

# %% [markdown]
# ## Results

# %%
train_acc = float(accuracy(model, X_train, y_train))
test_acc = float(accuracy(model, X_test, y_test))
print(
    f"training accuracy {train_acc:.3f}   held-out accuracy {test_acc:.3f} ({int(round(test_acc * 30))}/30)"
)
assert test_acc >= 0.9, test_acc
assert train_acc >= 0.95, train_acc

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.8), constrained_layout=True)
ax1.semilogy(curves["train loss"], label="training loss (with L2)")
ax1.semilogy(curves["test loss"], label="held-out loss")
ax1.set_xlabel("Adam step")
ax1.set_title("loss")
ax1.legend()
ax2.plot(curves["train acc"], label="training")
ax2.plot(curves["test acc"], label="held-out")
ax2.set_xlabel("Adam step")
ax2.set_ylim(0.0, 1.02)
ax2.set_title("accuracy")
ax2.legend()
plt.show()

# %% [markdown]
# The confusion matrix shows which species are mixed up. *Setosa* is separable by a
# straight line from the other two; the few errors a model like this makes are
# between *versicolor* and *virginica*, whose measurements overlap.

# %%
pred = np.asarray(jnp.argmax(jax.vmap(model)(X_test), axis=-1))
confusion = np.zeros((3, 3), int)
for t, p in zip(np.asarray(y_test), pred):
    confusion[t, p] += 1
print("rows: true species, columns: predicted")
for name, row in zip(iris.target_names, confusion):
    print(f"{name:>12}", row)
assert confusion[0, 0] == 10  # every held-out setosa is recognised

# %% [markdown]
# ## What carries over to physics
#
# A PINN is trained by exactly this loop. The differences are in the loss: instead of
# labels, it compares the network's *derivatives with respect to its inputs* against a
# differential equation, at points it chooses itself. That is the
# [next tutorial](../pinn_from_scratch/).
