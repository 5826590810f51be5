// Package store keeps products in memory: the Go side of the demo workspace.
package store

import (
	"errors"
	"sync"
)

// ErrNotFound is returned when a product is unknown.
var ErrNotFound = errors.New("product not found")

const DefaultCapacity = 64

// Product is one thing for sale.
type Product struct {
	ID    string
	Price int
}

// Repository is what the HTTP layer needs from a store.
type Repository interface {
	Get(id string) (Product, error)
	Put(p Product)
}

// Store is an in-memory Repository.
type Store struct {
	mu       sync.Mutex
	products map[string]Product
}

// NewStore returns an empty Store.
func NewStore() *Store {
	return &Store{products: make(map[string]Product, DefaultCapacity)}
}

func (s *Store) Get(id string) (Product, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.products[id]
	if !ok {
		return Product{}, ErrNotFound
	}
	return p, nil
}

func (s *Store) Put(p Product) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.products[p.ID] = p
}
