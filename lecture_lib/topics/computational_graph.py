"""A computational graph of scalars: what automatic differentiation does (chapter 04).

Backpropagation is not special to neural networks. Any formula built from
simple operations is a graph; each operation knows only its *local*
gradient, the derivative of its output with respect to each of its inputs:

    add   z = a + b        dz/da = 1,        dz/db = 1          (passes the gradient on unchanged)
    mul   z = a * b        dz/da = b,        dz/db = a          (swaps the inputs)
    max   z = max(a, b)    dz/da = [a >= b], dz/db = [a < b]    (routes the gradient to the larger)
    sigmoid z = sigma(a)   dz/da = z (1 - z)

The backward pass visits the nodes from the output back to the inputs and
multiplies by the local gradients (the chain rule); where a value feeds
several operations its gradients are added up (the sum over k in the
slides' hidden error term). Frameworks (PyTorch, TensorFlow/Keras, JAX) do
exactly this over arrays instead of scalars: the user writes the forward
formula, the library records the graph and runs it backwards.
"""
from __future__ import annotations

import math
import numbers

__all__ = ["Node", "node_max", "sigmoid_node"]


class Node:
    """One scalar value in a graph, with the gradient dOutput/dValue after ``backward()``.

    Parameters
    ----------
    value : float
    name : str, optional
        Shown by ``repr`` (inputs are easier to follow with names).

    Attributes
    ----------
    value : float
    grad : float
        d(output)/d(this node), filled in by ``output.backward()`` (0 before).
    parents : tuple of (Node, float)
        The inputs of the operation that made this node and the local
        gradient d(this)/d(input) of each.
    op : str
        'input', '+', '*', 'max' or 'sigmoid'.
    """

    def __init__(self, value, name="", parents=(), op="input"):
        if not isinstance(value, numbers.Real) or isinstance(value, bool) or not math.isfinite(value):
            raise TypeError(f"a Node holds a finite real number, got {value!r}.")
        self.value = float(value)
        self.name = name
        self.parents = tuple(parents)
        self.op = op
        self.grad = 0.0

    def __repr__(self):
        label = f"{self.name}=" if self.name else ""
        return f"Node({label}{self.value:.4g}, grad={self.grad:.4g}, op={self.op!r})"

    @staticmethod
    def _wrap(other):
        return other if isinstance(other, Node) else Node(other, name=f"{other:g}")

    def __add__(self, other):
        other = self._wrap(other)
        return Node(self.value + other.value, parents=((self, 1.0), (other, 1.0)), op="+")

    __radd__ = __add__

    def __mul__(self, other):
        other = self._wrap(other)
        return Node(self.value * other.value, parents=((self, other.value), (other, self.value)), op="*")

    __rmul__ = __mul__

    def graph_nodes(self):
        """Every node that this one depends on, inputs before the operations that use them."""
        ordered, seen = [], set()

        def visit(node):
            if id(node) in seen:
                return
            seen.add(id(node))
            for parent, _ in node.parents:
                visit(parent)
            ordered.append(node)

        visit(self)
        return ordered

    def backward(self):
        """Fill in ``grad`` of every node of the graph: d(self)/d(node), by the chain rule.

        Gradients are set afresh (not accumulated over calls). A node used by
        several operations receives the sum of the gradients along each path.
        """
        nodes = self.graph_nodes()
        for node in nodes:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(nodes):                    # output first, inputs last
            for parent, local_gradient in node.parents:
                parent.grad += node.grad * local_gradient
        return self


def node_max(a, b):
    """z = max(a, b); the gradient goes to the larger input (to ``a`` on a tie). ReLU is max(h, 0)."""
    a, b = Node._wrap(a), Node._wrap(b)
    a_wins = a.value >= b.value
    return Node(max(a.value, b.value), parents=((a, float(a_wins)), (b, float(not a_wins))), op="max")


def sigmoid_node(a):
    """z = sigma(a) = 1 / (1 + exp(-a)), local gradient z (1 - z) (computed without overflow)."""
    a = Node._wrap(a)
    if a.value >= 0:
        z = 1.0 / (1.0 + math.exp(-a.value))
    else:
        e = math.exp(a.value)
        z = e / (1.0 + e)
    return Node(z, parents=((a, z * (1.0 - z)),), op="sigmoid")
